using System.Text.Json;
using Portal.Server.Components.Charts;
using Portal.Server.Live;

namespace Portal.Server.Serving;

/// <summary>
/// The deployment page's figures from <c>deployment:{model}/{alias}</c>: per-second windows of the holder and the
/// canary (throughput, p50/p95/p99 latency, error rate, batch size), and the drift and alert events as they come.
/// </summary>
public sealed class DeploymentCurves
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly List<string> _notices = [];
    private DateTimeOffset? _start;

    public CurveData Throughput { get; } = new("holder req/s", "canary req/s");
    public CurveData Latency { get; } = new("p50 ms", "p95 ms", "p99 ms", "canary p95 ms");
    public CurveData Errors { get; } = new("holder error rate", "canary error rate");
    public CurveData BatchSize { get; } = new("holder batch", "canary batch");

    public DeploymentMetrics? Last { get; private set; }

    /// <summary>Drift, alert and swap events, newest first, as one line each.</summary>
    public IReadOnlyList<string> Notices => _notices;

    public bool Apply(LiveEvent e)
    {
        switch (e.Data)
        {
            case DeploymentMetrics m:
                Add(m);
                return true;
            default:
                if (e.Type is "drift" or "alert" or "swap")
                {
                    _notices.Insert(0, $"{e.Time:HH:mm:ss} {e.Type}: {JsonSerializer.Serialize(e.Data, s_json)}");
                    if (_notices.Count > 50) _notices.RemoveAt(_notices.Count - 1);
                    return true;
                }
                return false;
        }
    }

    private void Add(DeploymentMetrics m)
    {
        _start ??= m.Time;
        var x = (m.Time - _start.Value).TotalSeconds;
        // Replayed history and the live tail may meet at the same second; a window already drawn is not drawn again.
        if (Throughput.Count > 0 && x <= Throughput.X[^1]) return;
        Last = m;
        var holder = m.Versions.FirstOrDefault(v => !v.IsCanary);
        var canary = m.Versions.FirstOrDefault(v => v.IsCanary);
        Throughput.Add(x, holder?.RequestsPerSecond, canary?.RequestsPerSecond);
        Latency.Add(x, Served(holder?.P50Ms, holder), Served(holder?.P95Ms, holder), Served(holder?.P99Ms, holder), Served(canary?.P95Ms, canary));
        Errors.Add(x, holder?.ErrorRate, canary?.ErrorRate);
        BatchSize.Add(x, Served(holder?.MeanBatchSize, holder), Served(canary?.MeanBatchSize, canary));
    }

    // A window without requests has no latency or batch size; drawn as a gap, not as 0.
    private static double? Served(double? value, VersionWindowMetrics? v) => v is { Requests: > 0 } ? value : null;
}
