using System.Globalization;
using Bunit;
using Portal.Server.Compression;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Compression;

public sealed class TradeOffScatterTests : ComponentContext
{
    [Fact]
    public void Every_version_is_a_point_and_the_front_is_highlighted_and_joined()
    {
        TradeOffPoint[] points = [new(1, 0.90, 2.0, 400_000, false), new(2, 0.89, 1.0, 120_000, true), new(3, 0.85, 1.5, 100_000, true)];
        var front = ParetoFront.ByLatency(points);
        var chart = Context.Render<TradeOffScatter>(p => p
            .Add(c => c.Points, points).Add(c => c.Front, front).Add(c => c.Title, "Accuracy against latency")
            .Add(c => c.Cost, x => x.LatencyP95Ms).Add(c => c.XText, x => x.ToString("F3", CultureInfo.InvariantCulture)).Add(c => c.SizeAsRadius, true));

        Assert.Equal(3, chart.FindAll(".trade-off-point").Count);
        Assert.Equal(["1", "2"], chart.FindAll(".trade-off-point.pareto").Select(g => g.GetAttribute("data-version")).Order());
        Assert.Equal("2,1", chart.Find("svg").GetAttribute("data-front"));
        Assert.Single(chart.FindAll("polyline.pareto-line"));
        // The largest file gets the largest circle.
        var radius = chart.FindAll(".trade-off-point circle").Select(c => double.Parse(c.GetAttribute("r")!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(radius.Max(), radius[0]);
    }

    [Fact]
    public void A_model_without_measured_versions_says_so()
    {
        var chart = Context.Render<TradeOffScatter>(p => p
            .Add(c => c.Points, []).Add(c => c.Front, []).Add(c => c.Cost, x => x.OnnxBytes).Add(c => c.XText, x => x.ToString(CultureInfo.InvariantCulture)));
        Assert.Empty(chart.FindAll("svg"));
        Assert.Contains("No version of this model", chart.Markup);
    }
}
