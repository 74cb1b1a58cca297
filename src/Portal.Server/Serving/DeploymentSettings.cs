using Portal.Contracts.Serving;

namespace Portal.Server.Serving;

/// <summary>
/// What an operator set on one deployment (a model's alias): batching overrides (null takes the configured default)
/// and a canary — a second version receiving <see cref="CanaryPercent"/> % of the requests. No row: defaults, no canary.
/// </summary>
public sealed class DeploymentSettings
{
    public Guid ModelId { get; set; }
    public required string Alias { get; set; }
    public int? MaxBatchSize { get; set; }
    public int? MaxQueueDelayMicroseconds { get; set; }
    public int? MaxQueueSize { get; set; }
    public Guid? CanaryVersionId { get; set; }
    public double CanaryPercent { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public BatchingSettings Batching(BatchingSettings defaults) => new(
        MaxBatchSize ?? defaults.MaxBatchSize,
        MaxQueueDelayMicroseconds ?? defaults.MaxQueueDelayMicroseconds,
        MaxQueueSize ?? defaults.MaxQueueSize);
}
