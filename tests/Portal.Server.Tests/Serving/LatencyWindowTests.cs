using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

public sealed class LatencyWindowTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Percentiles_are_the_true_quantiles_of_the_window_within_two_percent()
    {
        var clock = new ManualClock();
        var window = new LatencyWindow(10, clock);
        // 1 000 latencies 1 ms … 1 000 ms, shuffled: p50 = 500 ms, p95 = 950 ms, p99 = 990 ms.
        foreach (var ms in Enumerable.Range(1, 1000).OrderBy(i => (i * 7919) % 1000)) window.RecordSuccess(ms / 1000.0);

        var snapshot = window.Snapshot();

        Assert.Equal(1000, snapshot.Requests);
        Assert.Equal(500, snapshot.P50Ms, 500 * 0.02);
        Assert.Equal(950, snapshot.P95Ms, 950 * 0.02);
        Assert.Equal(990, snapshot.P99Ms, 990 * 0.02);
    }

    [Fact]
    public void A_slow_minority_shows_in_p99_and_not_in_p50()
    {
        var clock = new ManualClock();
        var window = new LatencyWindow(10, clock);
        for (var i = 0; i < 980; i++) window.RecordSuccess(0.002);
        for (var i = 0; i < 20; i++) window.RecordSuccess(0.250);

        var snapshot = window.Snapshot();

        Assert.Equal(2, snapshot.P50Ms, 0.05);
        Assert.Equal(2, snapshot.P95Ms, 0.05);
        Assert.Equal(250, snapshot.P99Ms, 250 * 0.01);
    }

    [Fact]
    public void Seconds_older_than_the_window_drop_out()
    {
        var clock = new ManualClock();
        var window = new LatencyWindow(5, clock);
        for (var i = 0; i < 100; i++) window.RecordSuccess(0.100);
        clock.Now += TimeSpan.FromSeconds(3);
        for (var i = 0; i < 10; i++) window.RecordSuccess(0.001);
        window.RecordFailure(0.001);
        window.RecordBatch(4);
        window.RecordBatch(2);

        var both = window.Snapshot();
        clock.Now += TimeSpan.FromSeconds(3);
        var recent = window.Snapshot();
        clock.Now += TimeSpan.FromSeconds(5);
        var empty = window.Snapshot();

        Assert.Equal(111, both.Requests);
        Assert.Equal(3, both.MeanBatchSize);
        Assert.Equal(11, recent.Requests);
        Assert.Equal(1, recent.Failures);
        Assert.Equal(1 / 11.0, recent.ErrorRate, 6);
        Assert.Equal(1, recent.P99Ms, 0.02);
        Assert.Equal(11 / 5.0, recent.RequestsPerSecond, 6);
        Assert.Equal(0, empty.Requests);
        Assert.Equal(0, empty.P99Ms);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(1_000)]
    [InlineData(123_456)]
    [InlineData(60_000_000)]
    public void Every_latency_falls_in_a_bin_whose_middle_is_within_one_percent(long micros)
    {
        var value = LatencyWindow.Value(LatencyWindow.Bin(micros));

        Assert.True(Math.Abs(value - micros) <= Math.Max(0.5, micros * 0.01), $"{micros} µs read back as {value}");
    }
}
