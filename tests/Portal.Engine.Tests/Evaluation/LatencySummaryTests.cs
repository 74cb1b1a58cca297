using System.Diagnostics;
using System.Text.Json;
using Portal.Engine.Evaluation;

namespace Portal.Engine.Tests.Evaluation;

public class LatencySummaryTests
{
    [Fact]
    public void Twenty_durations_give_nearest_rank_percentiles()
    {
        // 1..20 ms, shuffled. Nearest rank ⌈p/100 · 20⌉: p50 → 10th, p95 → 19th, p99 → ⌈19.8⌉ = 20th.
        var durations = new[] { 7, 19, 3, 12, 1, 20, 15, 9, 4, 17, 2, 11, 14, 6, 18, 8, 13, 5, 16, 10 }
            .Select(ms => TimeSpan.FromMilliseconds(ms));

        var summary = LatencySummary.FromDurations(durations);

        Assert.Equal(20, summary.Count);
        Assert.Equal(210.0 / 20, summary.MeanMs, 1e-9);
        Assert.Equal(1, summary.MinMs);
        Assert.Equal(10, summary.P50Ms);
        Assert.Equal(19, summary.P95Ms);
        Assert.Equal(20, summary.P99Ms);
        Assert.Equal(20, summary.MaxMs);
        Assert.Equal(210, summary.TotalMs, 1e-9);
    }

    [Fact]
    public void Seven_durations_use_the_rank_above_a_fractional_position()
    {
        // Sorted 1,2,3,5,8,13,21. p50 → ⌈3.5⌉ = 4th = 5; p95 → ⌈6.65⌉ = 7th = 21; p99 → 7th = 21.
        var summary = LatencySummary.FromMilliseconds([13, 1, 8, 2, 21, 3, 5]);

        Assert.Equal(5, summary.P50Ms);
        Assert.Equal(21, summary.P95Ms);
        Assert.Equal(21, summary.P99Ms);
        Assert.Equal(53.0 / 7, summary.MeanMs, 1e-12);
    }

    [Theory]
    [InlineData(10, 300)]
    [InlineData(10.0001, 301)]
    [InlineData(1.1, 33)] // 1.1 · 3000 / 100 in doubles is 33.00000000000001, which would round the rank up to 34
    [InlineData(100, 3000)]
    [InlineData(0.01, 1)]
    public void Nearest_rank_is_exact_at_rank_boundaries(double percentile, double expected)
    {
        var values = Enumerable.Range(1, 3000).Select(i => (double)i).ToArray();
        Assert.Equal(expected, LatencySummary.NearestRank(values, percentile));
    }

    [Fact]
    public void One_duration_is_every_percentile()
    {
        var summary = LatencySummary.FromMilliseconds([4.5]);
        Assert.Equal((1, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5), (summary.Count, summary.MeanMs, summary.MinMs, summary.P50Ms, summary.P95Ms, summary.P99Ms, summary.MaxMs));
    }

    [Fact]
    public void Stopwatch_ticks_are_converted_with_the_stopwatch_frequency()
    {
        var oneMs = Stopwatch.Frequency / 1000;
        var summary = LatencySummary.FromStopwatchTicks([oneMs, 3 * oneMs, 2 * oneMs]);
        Assert.Equal(2, summary.P50Ms, 1e-9);
        Assert.Equal(3, summary.MaxMs, 1e-9);
        Assert.Equal(6, summary.TotalMs, 1e-9);
    }

    [Fact]
    public void Throughput_counts_items_per_second_of_measured_time()
    {
        // Four calls of 250 ms take one second in all; batches of 32 → 128 items per second.
        var summary = LatencySummary.FromMilliseconds([250, 250, 250, 250]);
        Assert.Equal(4, summary.ThroughputPerSecond(), 1e-9);
        Assert.Equal(128, summary.ThroughputPerSecond(itemsPerCall: 32), 1e-9);
    }

    [Fact]
    public void Throughput_over_zero_time_is_refused()
    {
        var summary = LatencySummary.FromMilliseconds([0, 0]);
        Assert.Throws<InvalidOperationException>(() => summary.ThroughputPerSecond());
    }

    [Fact]
    public void No_durations_are_refused()
    {
        Assert.Throws<ArgumentException>(() => LatencySummary.FromMilliseconds([]));
        Assert.Throws<ArgumentException>(() => LatencySummary.FromDurations([]));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_negative_or_non_finite_duration_is_refused_naming_its_position(double bad)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.FromMilliseconds([1, 2, bad]));
        Assert.Contains("Duration 2 is", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void A_percentile_outside_0_to_100_is_refused(double percentile)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.NearestRank([1, 2, 3], percentile));
    }

    [Fact]
    public void Unsorted_values_are_refused_by_nearest_rank()
    {
        var error = Assert.Throws<ArgumentException>(() => LatencySummary.NearestRank([1, 3, 2], 50));
        Assert.Contains("value 2 (2) is below value 1 (3)", error.Message);
    }

    [Fact]
    public void Summary_round_trips_through_json()
    {
        var summary = LatencySummary.FromMilliseconds([0.25, 1.5, 0.75]);
        var back = JsonSerializer.Deserialize<LatencySummary>(JsonSerializer.Serialize(summary));
        Assert.Equal(summary, back);
    }
}
