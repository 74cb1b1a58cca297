namespace Portal.Contracts.Serving;

/// <summary>A deployment as /api/v1/deployments shows it, with its live window (one entry per served version).</summary>
public sealed record DeploymentView(
    string Model,
    string Alias,
    bool Ready,
    string? Problem,
    ServedVersionView? Version,
    CanaryView? Canary,
    BatchingSettings Batching,
    DeploymentMetrics? Metrics);

/// <summary>
/// A served version: its number, id and the tensors it takes and gives, and which rule decides whether its requests
/// are batched (<c>on: passed the batch independence check …</c>, <c>off: failed the batch independence check: …</c>).
/// </summary>
public sealed record ServedVersionView(int Number, Guid Id, string Input, string Output, int QueueDepth, string Batching);

public sealed record CanaryView(int Version, Guid VersionId, double Percent, string Input, string Output, string Batching);

/// <summary>
/// The last sliding window of one deployment (a model's alias), published every second on the live topic
/// <c>deployment:{model}/{alias}</c> as event type <c>metrics</c>, one entry per served version (the holder and a canary).
/// </summary>
public sealed record DeploymentMetrics(string Model, string Alias, DateTimeOffset Time, double WindowSeconds, IReadOnlyList<VersionWindowMetrics> Versions);

/// <summary>True percentiles over the window (not running averages); latencies are end to end, in milliseconds.</summary>
public sealed record VersionWindowMetrics(
    Guid VersionId,
    int VersionNumber,
    bool IsCanary,
    long Requests,
    long Failures,
    double ErrorRate,
    double RequestsPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MeanBatchSize);
