using System.Text.Json;
using Portal.Contracts.Alerts;
using Portal.Contracts.Serving;
using Portal.Server.Components.Charts;
using Portal.Server.Live;
using Portal.Server.Serving.Alerts;
using Portal.Server.Serving.Drift;

namespace Portal.Server.Serving;

/// <summary>
/// The deployment page's figures from <c>deployment:{model}/{alias}</c>: per-second windows of the holder and the
/// canary (throughput, p50/p95/p99 latency, error rate, batch size), their drift (PSI of the inputs and of the
/// predicted classes, with the threshold of every enabled PSI alert rule that covers the deployment drawn as a
/// level line), and the drift, alert and swap events as they come.
/// </summary>
public sealed class DeploymentCurves
{
    /// <summary>PSI alert rules drawn as threshold lines at most (the first ones, in the order given).</summary>
    public const int MaxThresholdLines = 4;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly List<string> _notices = [];
    private readonly double[] _thresholds;
    private DateTimeOffset? _start;

    /// <param name="psiRules">
    /// Alert rules; those enabled, on <c>psi_input</c> or <c>psi_class</c> and covering <paramref name="model"/>/
    /// <paramref name="alias"/> become the drift chart's threshold lines.
    /// </param>
    public DeploymentCurves(string model = "", string alias = "", IEnumerable<AlertRuleView>? psiRules = null)
    {
        ThresholdRules = [.. (psiRules ?? [])
            .Where(r => r.Enabled && r.Metric is AlertMetrics.PsiInput or AlertMetrics.PsiClass && Covers(r, model, alias))
            .Take(MaxThresholdLines)];
        _thresholds = [.. ThresholdRules.Select(r => r.Threshold)];
        ThresholdSeries = [.. ThresholdRules.Select(r => $"alert {r.Name}: {r.Metric} {r.Comparison} {r.Threshold:0.###}")];
        Drift = new(["holder PSI inputs", "holder PSI classes", "canary PSI inputs", "canary PSI classes", .. ThresholdSeries]);
    }

    public CurveData Throughput { get; } = new("holder req/s", "canary req/s");
    public CurveData Latency { get; } = new("p50 ms", "p95 ms", "p99 ms", "canary p95 ms");
    public CurveData Errors { get; } = new("holder error rate", "canary error rate");
    public CurveData BatchSize { get; } = new("holder batch", "canary batch");

    /// <summary>
    /// PSI per second: inputs (mean of the per-feature PSIs) and predicted classes, holder and canary, each a gap
    /// while drift has too few samples; then one constant series per rule in <see cref="ThresholdRules"/>.
    /// </summary>
    public CurveData Drift { get; }

    /// <summary>The enabled PSI alert rules covering this deployment whose thresholds the drift chart draws.</summary>
    public IReadOnlyList<AlertRuleView> ThresholdRules { get; }

    /// <summary>The names of the drift chart's threshold series (drawn dashed).</summary>
    public IReadOnlyList<string> ThresholdSeries { get; }

    /// <summary>The last drift report, for the figures beside the chart.</summary>
    public DeploymentDrift? LastDrift { get; private set; }

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
            case DeploymentDrift d:
                AddDrift(d);
                return true;
            default:
                if (e.Type is "alert" or "swap")
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

    private void AddDrift(DeploymentDrift d)
    {
        _start ??= d.Time;
        var x = (d.Time - _start.Value).TotalSeconds;
        if (Drift.Count > 0 && x <= Drift.X[^1]) return;
        LastDrift = d;
        // The drift report does not say which version is the canary; the serving metrics of the same second do.
        var canaryId = Last?.Versions.FirstOrDefault(v => v.IsCanary)?.VersionId;
        var canary = d.Versions.FirstOrDefault(v => v.VersionId == canaryId);
        var holder = d.Versions.FirstOrDefault(v => v.VersionId != canaryId);
        double?[] values = [holder?.PsiInput, holder?.PsiClass, canary?.PsiInput, canary?.PsiClass, .. _thresholds.Select(t => (double?)t)];
        Drift.Add(x, values);
    }

    private static bool Covers(AlertRuleView rule, string model, string alias) =>
        (rule.Model is null || string.Equals(rule.Model, model, StringComparison.Ordinal))
        && (rule.Alias is null || string.Equals(rule.Alias, alias, StringComparison.OrdinalIgnoreCase));

    // A window without requests has no latency or batch size; drawn as a gap, not as 0.
    private static double? Served(double? value, VersionWindowMetrics? v) => v is { Requests: > 0 } ? value : null;
}
