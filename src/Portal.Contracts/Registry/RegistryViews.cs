using System.Text.Json;
using System.Text.Json.Serialization;
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
/// </summary>
public sealed record EvidenceView(
    double? Accuracy,
    Guid? EvaluationDatasetId,
    string? EvaluationDataset,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? ThroughputBatch64,
    JsonElement? Evaluation,
    JsonElement? Compression);

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
    DateTimeOffset CreatedAt);

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
