namespace Portal.Server.Serving;

/// <summary>
/// The last sliding window of one deployment (a model's alias), published every second on the live bus topic
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
