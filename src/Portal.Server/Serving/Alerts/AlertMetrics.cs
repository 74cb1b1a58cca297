using Portal.Server.Serving.Drift;

namespace Portal.Server.Serving.Alerts;

/// <summary>
/// The metrics a rule can watch, each read per served version: latency percentiles, error rate and throughput from
/// the serving core's <see cref="DeploymentMetrics"/>, PSI from <see cref="DeploymentDrift"/>. Latency and error
/// rate exist only for a window that saw requests; PSI only once drift has enough samples.
/// </summary>
public static class AlertMetrics
{
    public const string P50Ms = "p50_ms";
    public const string P95Ms = "p95_ms";
    public const string P99Ms = "p99_ms";
    public const string ErrorRate = "error_rate";
    public const string RequestsPerSecond = "requests_per_second";
    public const string PsiInput = "psi_input";
    public const string PsiClass = "psi_class";

    public static IReadOnlyList<string> All { get; } = [P50Ms, P95Ms, P99Ms, ErrorRate, RequestsPerSecond, PsiInput, PsiClass];

    public static bool IsKnown(string metric) => All.Contains(metric, StringComparer.Ordinal);

    /// <summary>The smallest and largest threshold that means something for <paramref name="metric"/>.</summary>
    public static (double Min, double Max) ThresholdRange(string metric) => metric == ErrorRate ? (0, 1) : (0, double.MaxValue);

    public static IEnumerable<AlertObservation> From(DeploymentMetrics metrics, DateTimeOffset time)
    {
        foreach (var v in metrics.Versions)
        {
            var values = new List<(string, double)> { (RequestsPerSecond, v.RequestsPerSecond) };
            if (v.Requests > 0) values.AddRange([(P50Ms, v.P50Ms), (P95Ms, v.P95Ms), (P99Ms, v.P99Ms), (ErrorRate, v.ErrorRate)]);
            foreach (var (metric, value) in values)
            {
                if (double.IsFinite(value)) yield return new(metrics.Model, metrics.Alias, v.VersionId, v.VersionNumber, metric, value, time);
            }
        }
    }

    public static IEnumerable<AlertObservation> From(DeploymentDrift drift, DateTimeOffset time)
    {
        foreach (var v in drift.Versions)
        {
            if (v.PsiInput is { } input) yield return new(drift.Model, drift.Alias, v.VersionId, v.VersionNumber, PsiInput, input, time);
            if (v.PsiClass is { } classes) yield return new(drift.Model, drift.Alias, v.VersionId, v.VersionNumber, PsiClass, classes, time);
        }
    }
}

/// <summary>One value of one metric of one served version at one time.</summary>
public sealed record AlertObservation(string Model, string Alias, Guid VersionId, int VersionNumber, string Metric, double Value, DateTimeOffset Time);
