using System.Text.Json;

namespace Portal.Client.Models;

public sealed record Model(Guid Id, string Name, string? Description, int VersionCount, int? LatestVersion, IReadOnlyList<Alias> Aliases, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>An alias as it stands: the version it points to, since when and who moved it there.</summary>
public sealed record Alias([property: System.Text.Json.Serialization.JsonPropertyName("alias")] string Name, int Version, Guid VersionId, DateTimeOffset Since, string By, bool Protected);

public sealed record AliasStretch(string Alias, int Version, Guid VersionId, DateTimeOffset Since, DateTimeOffset? Until, string AssignedBy, string Reason, Guid? PromotionRequestId);

public sealed record Lineage(string Source, Guid? RunId, Guid? ParentVersionId, int? ParentVersion, JsonElement? Recipe);

/// <summary>A version's measurements; <see cref="Compression"/> is the side-by-side report of a compressed version against its parent.</summary>
public sealed record Evidence(
    double? Accuracy, Guid? EvaluationDatasetId, string? EvaluationDataset, double? LatencyP50Ms, double? LatencyP95Ms, double? ThroughputBatch64,
    JsonElement? Evaluation, JsonElement? Compression = null);

public sealed record Artifact(string Kind, string Sha256, long? Size, string MediaType, string Url);

public sealed record ModelVersion(
    Guid Id, string Model, int Number, Lineage Lineage, Evidence Evidence, IReadOnlyList<Artifact> Artifacts,
    IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Aliases, IReadOnlyList<string> ClassNames,
    JsonElement? Spec, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A version as listed (<see cref="Model"/> is filled in by the client): lineage ids and headline evidence.</summary>
public sealed record ModelVersionSummary(
    Guid Id, int Number, string Source, Guid? RunId, Guid? ParentVersionId, double? Accuracy, double? LatencyP50Ms,
    double? LatencyP95Ms, double? ThroughputBatch64, IReadOnlyList<string> Aliases, string CreatedBy, DateTimeOffset CreatedAt)
{
    public string Model { get; init; } = "";
}

public sealed record Tag(string Key, string Value);
