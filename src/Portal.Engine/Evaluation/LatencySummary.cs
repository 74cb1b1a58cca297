using System.Diagnostics;

namespace Portal.Engine.Evaluation;

/// <summary>
/// Count, mean, extremes and percentiles of a set of measured durations, in milliseconds.
/// Percentiles use the nearest-rank definition: the p-th percentile of n sorted values is the value at
/// 1-based rank ⌈p/100 · n⌉, so it is always one of the measurements (never an interpolation).
/// </summary>
public sealed record LatencySummary(int Count, double MeanMs, double MinMs, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double TotalMs)
{
    public static LatencySummary FromDurations(IEnumerable<TimeSpan> durations)
    {
        ArgumentNullException.ThrowIfNull(durations);
        return FromMilliseconds([.. durations.Select(d => d.TotalMilliseconds)]);
    }

    /// <summary>Durations measured as <see cref="Stopwatch"/> ticks (units of 1 / <see cref="Stopwatch.Frequency"/> s, not <see cref="TimeSpan"/> ticks).</summary>
    public static LatencySummary FromStopwatchTicks(ReadOnlySpan<long> ticks)
    {
        var milliseconds = new double[ticks.Length];
        for (var i = 0; i < ticks.Length; i++) milliseconds[i] = ticks[i] * 1000.0 / Stopwatch.Frequency;
        return FromMilliseconds(milliseconds);
    }

    public static LatencySummary FromMilliseconds(ReadOnlySpan<double> milliseconds)
    {
        if (milliseconds.Length == 0)
            throw new ArgumentException("A latency summary needs at least one duration.", nameof(milliseconds));
        var sorted = milliseconds.ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (!double.IsFinite(sorted[i]) || sorted[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(milliseconds), sorted[i], $"Duration {i} is {sorted[i]} ms; durations are finite and not negative.");
        }
        Array.Sort(sorted);
        var total = sorted.Sum();
        return new LatencySummary(
            sorted.Length,
            total / sorted.Length,
            sorted[0],
            NearestRank(sorted, 50),
            NearestRank(sorted, 95),
            NearestRank(sorted, 99),
            sorted[^1],
            total);
    }

    /// <summary>The nearest-rank <paramref name="percentile"/> (0 &lt; p ≤ 100) of values sorted in ascending order.</summary>
    public static double NearestRank(ReadOnlySpan<double> sortedAscending, double percentile)
    {
        if (sortedAscending.Length == 0)
            throw new ArgumentException("The percentile of no values is undefined.", nameof(sortedAscending));
        if (!(percentile > 0 && percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A nearest-rank percentile is greater than 0 and at most 100.");
        for (var i = 1; i < sortedAscending.Length; i++)
        {
            if (sortedAscending[i] < sortedAscending[i - 1])
                throw new ArgumentException($"Values must be sorted ascending; value {i} ({sortedAscending[i]}) is below value {i - 1} ({sortedAscending[i - 1]}).", nameof(sortedAscending));
        }
        // Decimal keeps p · n / 100 exact for percentiles like 99.9, where double rounding could push the rank up by one.
        var rank = (long)Math.Ceiling((decimal)percentile * sortedAscending.Length / 100m);
        return sortedAscending[(int)Math.Max(rank, 1) - 1];
    }

    /// <summary>
    /// Items per second if the measured calls ran one after another, each handling
    /// <paramref name="itemsPerCall"/> items (the batch size).
    /// </summary>
    public double ThroughputPerSecond(int itemsPerCall = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemsPerCall);
        if (TotalMs <= 0)
            throw new InvalidOperationException($"The {Count} durations add up to {TotalMs} ms; throughput over no time is undefined.");
        return (double)itemsPerCall * Count / (TotalMs / 1000);
    }
}
