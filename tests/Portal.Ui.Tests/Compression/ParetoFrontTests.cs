using Portal.Server.Compression;

namespace Portal.Ui.Tests.Compression;

public sealed class ParetoFrontTests
{
    private static TradeOffPoint Point(int version, double accuracy, double latency, long bytes = 1000) => new(version, accuracy, latency, bytes, version > 1);

    [Fact]
    public void A_version_beaten_on_both_accuracy_and_latency_is_not_on_the_front()
    {
        var points = new[] { Point(1, 0.90, 2.0), Point(2, 0.88, 1.0), Point(3, 0.85, 1.5), Point(4, 0.80, 0.5) };
        var front = ParetoFront.ByLatency(points);
        // v3 is slower and less accurate than v2; the rest each win on one count.
        Assert.Equal([4, 2, 1], front.Select(p => p.Version));
    }

    [Fact]
    public void Equal_latency_keeps_only_the_more_accurate_version()
    {
        var front = ParetoFront.ByLatency([Point(1, 0.90, 1.0), Point(2, 0.87, 1.0)]);
        Assert.Equal([1], front.Select(p => p.Version));
    }

    [Fact]
    public void Two_identical_trade_offs_are_both_on_the_front_since_neither_dominates()
    {
        var front = ParetoFront.ByLatency([Point(1, 0.90, 1.0), Point(2, 0.90, 1.0), Point(3, 0.95, 3.0)]);
        Assert.Equal([1, 2, 3], front.Select(p => p.Version));
    }

    [Fact]
    public void The_size_front_uses_onnx_bytes_not_latency()
    {
        var points = new[] { Point(1, 0.90, 1.0, bytes: 400_000), Point(2, 0.89, 2.0, bytes: 100_000), Point(3, 0.88, 0.5, bytes: 200_000) };
        Assert.Equal([2, 1], ParetoFront.BySize(points).Select(p => p.Version));
        Assert.Equal([3, 1], ParetoFront.ByLatency(points).Select(p => p.Version));
    }

    [Fact]
    public void No_versions_make_an_empty_front_and_one_version_is_its_own_front()
    {
        Assert.Empty(ParetoFront.ByLatency([]));
        Assert.Equal([7], ParetoFront.ByLatency([Point(7, 0.5, 3)]).Select(p => p.Version));
    }

    [Fact]
    public void An_unmeasured_cost_is_refused_naming_the_version()
    {
        var error = Assert.Throws<ArgumentException>(() => ParetoFront.ByLatency([Point(3, 0.9, double.NaN)]));
        Assert.Contains("Version 3", error.Message);
    }
}
