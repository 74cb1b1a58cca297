using System.Globalization;
using Portal.Contracts.Approvals;

namespace Portal.Server.Approvals;

/// <summary>
/// Evaluates a policy's gates for a candidate version against the alias's current holder. Only the gates the policy
/// sets are evaluated; a gate whose evidence is missing is "not measured": it fails, never passes, and says which
/// evidence is missing and, when the version's measurement recorded it, why.
/// </summary>
public static class GateEvaluator
{
    public const string MinAccuracy = "min-accuracy";
    public const string MaxAccuracyDrop = "max-accuracy-drop";
    public const string MaxP95Latency = "max-p95-latency";

    public const string FractionUnit = "fraction";
    public const string MillisecondUnit = "ms";

    /// <summary>
    /// Slack for comparisons, so a measurement exactly at a threshold passes even when the subtraction that made it
    /// (0.90 − 0.88 = 0.020000000000000018) rounds the wrong way.
    /// </summary>
    public const double Tolerance = 1e-9;

    /// <summary>The evidence a gate reads from one version; <paramref name="NotMeasured"/> gives why a figure is missing, by figure (<c>accuracy</c>, <c>latency</c>).</summary>
    public sealed record Evidence(int Number, double? Accuracy, double? LatencyP95Ms, IReadOnlyDictionary<string, string>? NotMeasured = null)
    {
        public string Why(string figure) => NotMeasured?.GetValueOrDefault(figure) is { } reason ? $" ({reason})" : "";
    }

    public static IReadOnlyList<GateResult> Evaluate(PromotionPolicy policy, Evidence candidate, Evidence? holder)
    {
        var results = new List<GateResult>();
        if (policy.MinAccuracy is { } min)
        {
            results.Add(candidate.Accuracy is { } accuracy
                ? new GateResult(MinAccuracy, FractionUnit, min, accuracy, accuracy >= min - Tolerance,
                    $"Version {candidate.Number} has test accuracy {F(accuracy)}; the policy requires at least {F(min)}.")
                : NotMeasured(MinAccuracy, FractionUnit, min,
                    $"Version {candidate.Number} has no measured test accuracy{candidate.Why("accuracy")}; evaluate it before requesting promotion."));
        }

        if (policy.MaxAccuracyDrop is { } maxDrop)
            results.Add(AccuracyDrop(maxDrop, candidate, holder));

        if (policy.MaxP95LatencyMs is { } maxLatency)
        {
            results.Add(candidate.LatencyP95Ms is { } latency
                ? new GateResult(MaxP95Latency, MillisecondUnit, maxLatency, latency, latency <= maxLatency + Tolerance,
                    $"Version {candidate.Number} has p95 latency {F(latency)} ms at batch 1; the policy allows at most {F(maxLatency)} ms.")
                : NotMeasured(MaxP95Latency, MillisecondUnit, maxLatency,
                    $"Version {candidate.Number} has no measured p95 latency{candidate.Why("latency")}; benchmark it before requesting promotion."));
        }
        return results;
    }

    private static GateResult AccuracyDrop(double maxDrop, Evidence candidate, Evidence? holder)
    {
        // Nothing to fall below: the first holder of an alias is judged by the other gates alone.
        if (holder is null)
            return new GateResult(MaxAccuracyDrop, FractionUnit, maxDrop, null, true, "The alias has no current holder, so there is no accuracy to compare against.");
        if (candidate.Accuracy is not { } accuracy)
            return NotMeasured(MaxAccuracyDrop, FractionUnit, maxDrop,
                $"Version {candidate.Number} has no measured test accuracy{candidate.Why("accuracy")}, so its drop against version {holder.Number} cannot be measured.");
        if (holder.Accuracy is not { } held)
            return NotMeasured(MaxAccuracyDrop, FractionUnit, maxDrop,
                $"The current holder, version {holder.Number}, has no measured test accuracy{holder.Why("accuracy")}, so the drop cannot be measured.");
        var drop = held - accuracy;
        return new GateResult(MaxAccuracyDrop, FractionUnit, maxDrop, drop, drop <= maxDrop + Tolerance,
            $"Version {candidate.Number} has accuracy {F(accuracy)} against {F(held)} for the current holder, version {holder.Number}: a drop of {F(drop)}; the policy allows at most {F(maxDrop)}.");
    }

    /// <summary>A gate whose evidence is missing: failed, never passed, and saying so.</summary>
    private static GateResult NotMeasured(string name, string unit, double threshold, string detail) =>
        new(name, unit, threshold, null, false, $"Not measured: {detail}", NotMeasured: true);

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
