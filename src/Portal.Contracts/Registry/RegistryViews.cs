using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;

namespace Portal.Contracts.Registry;

public sealed record ModelView(
    Guid Id,
    string Name,
    string? Description,
    int VersionCount,
    int? LatestVersion,
    IReadOnlyList<AliasView> Aliases,
    string CreatedBy,
    DateTimeOffset CreatedAt);

/// <summary>An alias as it stands: the version it points to, since when and who moved it there.</summary>
public sealed record AliasView(string Alias, int Version, Guid VersionId, DateTimeOffset Since, string By, bool Protected);

/// <summary>One stretch of time during which <see cref="Version"/> held <see cref="Alias"/>; <see cref="Until"/> is null while it still does.</summary>
public sealed record AliasStretchView(
    string Alias,
    int Version,
    Guid VersionId,
    DateTimeOffset Since,
    DateTimeOffset? Until,
    string AssignedBy,
    string Reason,
    Guid? PromotionRequestId);

/// <summary>
/// Where a version came from: a training run, or a parent version and the recipe that derived it, or an import.
/// <see cref="FineTunedFrom"/> is the version the training run fine-tuned, if it did.
/// </summary>
public sealed record LineageView(string Source, Guid? RunId, Guid? ParentVersionId, int? ParentVersion, JsonElement? Recipe, FineTunedFrom? FineTunedFrom = null);

/// <summary>
/// What was measured when the version was registered: accuracy and the classification report on
/// <see cref="EvaluationDatasetId"/>, ONNX Runtime latency at batch 1 and throughput at batch 64.
/// <see cref="Compression"/> is the side-by-side report of a compressed version against its parent.
/// <see cref="Measurement"/> (imported versions) says how the figures were taken and which were not measured, and why;
/// <see cref="SizeBytes"/> is the ONNX file's size. <see cref="BatchIndependence"/> says whether a row's answer is
/// independent of the other rows in its batch (only such a version is batched by default).
/// </summary>
public sealed record EvidenceView(
    double? Accuracy,
    Guid? EvaluationDatasetId,
    string? EvaluationDataset,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? ThroughputBatch64,
    JsonElement? Evaluation,
    JsonElement? Compression,
    long? SizeBytes = null,
    MeasurementReport? Measurement = null,
    BatchIndependenceView? BatchIndependence = null);

/// <summary>
/// <see cref="Outcome"/>: <c>passed</c> (seeded rows gave the same answers alone and as one batch), <c>failed</c> (the
/// reason names the row and the difference), <c>perSampleSpec</c> (trained by Portal from a per-sample spec, not
/// checked) or <c>notChecked</c> (with the reason).
/// </summary>
public sealed record BatchIndependenceView(string Outcome, string Reason);

/// <summary>
/// How an imported version's evidence was taken: <see cref="Inputs"/> says how each input was synthesized and where
/// each dynamic dimension's size came from; <see cref="NotMeasured"/> lists each figure left out with the reason.
/// </summary>
public sealed record MeasurementReport(IReadOnlyList<string> Inputs, IReadOnlyList<NotMeasuredView> NotMeasured);

/// <summary>A figure of the evidence (<c>accuracy</c>, <c>latency</c>, <c>throughput</c>) that was not measured, and why.</summary>
public sealed record NotMeasuredView(string Figure, string Reason);

/// <summary>One input or output of a version's ONNX file: its name, Open Inference Protocol datatype (FP32, INT64, …) and shape, -1 for a dynamic dimension.</summary>
public sealed record TensorSignatureView(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>The inputs and outputs a version's ONNX file declares.</summary>
public sealed record SignatureView(IReadOnlyList<TensorSignatureView> Inputs, IReadOnlyList<TensorSignatureView> Outputs);

/// <summary>
/// An ONNX file being imported as a version by its job (<see cref="JobId"/>): the stored upload and, once the job
/// succeeded, the <see cref="Version"/> it became.
/// </summary>
public sealed record ImportView(
    Guid Id, string Model, string FileName, string Sha256, long Size, Guid JobId, JobState State, double Progress, string? Error,
    int? Version, string CreatedBy, DateTimeOffset CreatedAt);

public sealed record ArtifactView(string Kind, string Sha256, long? Size, string MediaType, string Url);

public sealed record VersionView(
    Guid Id,
    string Model,
    int Number,
    LineageView Lineage,
    EvidenceView Evidence,
    IReadOnlyList<ArtifactView> Artifacts,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> ClassNames,
    JsonElement? Spec,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    SignatureView? Signature = null);

/// <summary>A version as listed: lineage ids and headline evidence, without the report and spec.</summary>
public sealed record VersionSummary(
    Guid Id,
    int Number,
    string Source,
    Guid? RunId,
    Guid? ParentVersionId,
    double? Accuracy,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? ThroughputBatch64,
    IReadOnlyList<string> Aliases,
    string CreatedBy,
    DateTimeOffset CreatedAt)
{
    /// <summary>The model listed; not sent (the list is the model's), the client fills it in so a summary stands alone.</summary>
    [JsonIgnore]
    public string Model { get; init; } = "";
}

public sealed record TagView(string Key, string Value);
