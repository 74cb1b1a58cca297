using System.Text.Json;

namespace Portal.Server.Registry;

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

/// <summary>Where a version came from: a training run, or a parent version and the recipe that derived it, or an import.</summary>
public sealed record LineageView(string Source, Guid? RunId, Guid? ParentVersionId, int? ParentVersion, JsonElement? Recipe);

/// <summary>
/// What was measured when the version was registered: accuracy and the classification report on
/// <see cref="EvaluationDatasetId"/>, ONNX Runtime latency at batch 1 and throughput at batch 64
/// (timed by the engine's <c>ModelMeter</c>, as compression reports are).
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
    DateTimeOffset CreatedAt);

public sealed record TagView(string Key, string Value);

/// <summary>An artifact's bytes, checked against their hash, ready to download.</summary>
public sealed record ArtifactDownload(byte[] Content, string MediaType, string FileName, string Sha256);
