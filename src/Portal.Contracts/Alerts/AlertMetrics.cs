namespace Portal.Contracts.Alerts;

/// <summary>
/// The metrics a rule can watch, each read per served version: latency percentiles, error rate and throughput from
/// the deployment's metrics window, PSI from its drift. Latency and error rate exist only for a window that saw
/// requests; PSI only once drift has enough samples.
/// </summary>
public static class AlertMetrics
{
    public const string P50Ms = "p50_ms";
    public const string P95Ms = "p95_ms";
    public const string P99Ms = "p99_ms";

    /// <summary>A fraction in [0, 1] (0.01 = 1 %).</summary>
    public const string ErrorRate = "error_rate";
    public const string RequestsPerSecond = "requests_per_second";

    /// <summary>Population stability index of the inputs against the training data.</summary>
    public const string PsiInput = "psi_input";

    /// <summary>Population stability index of the predicted classes.</summary>
    public const string PsiClass = "psi_class";

    public static IReadOnlyList<string> All { get; } = [P50Ms, P95Ms, P99Ms, ErrorRate, RequestsPerSecond, PsiInput, PsiClass];

    public static bool IsKnown(string metric) => All.Contains(metric, StringComparer.Ordinal);

    /// <summary>The smallest and largest threshold that means something for <paramref name="metric"/>.</summary>
    public static (double Min, double Max) ThresholdRange(string metric) => metric == ErrorRate ? (0, 1) : (0, double.MaxValue);
}
