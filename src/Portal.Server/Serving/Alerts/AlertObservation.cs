using Portal.Contracts.Alerts;
using Portal.Contracts.Serving;
using Portal.Server.Serving.Drift;

namespace Portal.Server.Serving.Alerts;

/// <summary>One value of one metric (<see cref="AlertMetrics"/>) of one served version at one time.</summary>
public sealed record AlertObservation(string Model, string Alias, Guid VersionId, int VersionNumber, string Metric, double Value, DateTimeOffset Time)
{
    /// <summary>Latency and error rate only for a version whose window saw requests; throughput always.</summary>
    public static IEnumerable<AlertObservation> From(DeploymentMetrics metrics, DateTimeOffset time)
    {
        foreach (var v in metrics.Versions)
        {
            var values = new List<(string, double)> { (AlertMetrics.RequestsPerSecond, v.RequestsPerSecond) };
            if (v.Requests > 0)
                values.AddRange([(AlertMetrics.P50Ms, v.P50Ms), (AlertMetrics.P95Ms, v.P95Ms), (AlertMetrics.P99Ms, v.P99Ms), (AlertMetrics.ErrorRate, v.ErrorRate)]);
            foreach (var (metric, value) in values)
            {
                if (double.IsFinite(value)) yield return new(metrics.Model, metrics.Alias, v.VersionId, v.VersionNumber, metric, value, time);
            }
        }
    }

    /// <summary>PSI only once drift has enough samples.</summary>
    public static IEnumerable<AlertObservation> From(DeploymentDrift drift, DateTimeOffset time)
    {
        foreach (var v in drift.Versions)
        {
            if (v.PsiInput is { } input) yield return new(drift.Model, drift.Alias, v.VersionId, v.VersionNumber, AlertMetrics.PsiInput, input, time);
            if (v.PsiClass is { } classes) yield return new(drift.Model, drift.Alias, v.VersionId, v.VersionNumber, AlertMetrics.PsiClass, classes, time);
        }
    }
}
