using System.Text.Json;
using Bunit;
using Portal.Server.Components.Charts;

namespace Portal.Ui.Tests.Components;

public sealed class LiveChartTests : ComponentContext
{
    [Fact]
    public async Task The_first_draw_sends_every_point_and_later_refreshes_send_only_new_ones()
    {
        var data = new CurveData("train loss", "validation loss");
        for (var i = 1; i <= 10_000; i++) data.Add(i, 1.0 / i, i % 100 == 0 ? 0.5 : null);
        var chart = Context.Render<LiveChart>(p => p.Add(c => c.Data, data).Add(c => c.Title, "Loss"));

        var render = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.render");
        Assert.Equal(10_000, ((double[])render.Arguments[2]!).Length);
        Assert.Equal(2, ((double?[][])render.Arguments[3]!).Length);

        data.Add(10_001, 0.1, 0.4);
        data.Add(10_002, 0.09, null);
        await chart.InvokeAsync(() => chart.Instance.Refresh());
        var append = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.append");
        Assert.Equal([10_001.0, 10_002.0], (double[])append.Arguments[1]!);
        Assert.Equal([0.4, null], ((double?[][])append.Arguments[2]!)[1]);

        // Nothing new: nothing sent.
        await chart.InvokeAsync(() => chart.Instance.Refresh());
        Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.append");
    }

    [Fact]
    public async Task A_cleared_curve_is_drawn_again_from_scratch()
    {
        var data = new CurveData("loss");
        data.Add(1, 1.0);
        var chart = Context.Render<LiveChart>(p => p.Add(c => c.Data, data));
        data.Clear();
        data.Add(5, 0.5);
        await chart.InvokeAsync(() => chart.Instance.Refresh());
        var renders = Context.JSInterop.Invocations.Where(i => i.Identifier == "portal.charts.render").ToList();
        Assert.Equal(2, renders.Count);
        Assert.Equal([5.0], (double[])renders[1].Arguments[2]!);
    }

    [Fact]
    public void An_empty_curve_shows_its_empty_text_and_draws_nothing()
    {
        var chart = Context.Render<LiveChart>(p => p.Add(c => c.Data, new CurveData("loss")).Add(c => c.EmptyText, "Steps appear here."));
        Assert.Contains("Steps appear here.", chart.Markup);
        Assert.DoesNotContain(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.render");
    }

    [Fact]
    public async Task Live_points_go_out_with_their_sequence_numbers_and_source_times()
    {
        var data = new CurveData("loss");
        data.Add(1, 1.0);
        var chart = Context.Render<LiveChart>(p => p.Add(c => c.Data, data));
        var render = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.render");
        Assert.Null(render.Arguments[5]);

        data.Add(new PointOrigin(12, 1_790_000_000_000.5), 2, 0.5);
        await chart.InvokeAsync(() => chart.Instance.Refresh());
        var append = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.append");
        Assert.Equal("""{"sequence":[12],"madeAt":[1790000000000.5]}""", JsonSerializer.Serialize(append.Arguments[3]));
    }

    [Fact]
    public async Task Refreshing_several_charts_at_once_sends_each_its_new_points()
    {
        var loss = new CurveData("loss");
        var rate = new CurveData("rate");
        loss.Add(1, 1.0);
        rate.Add(1, 0.1);
        var first = Context.Render<LiveChart>(p => p.Add(c => c.Data, loss));
        var second = Context.Render<LiveChart>(p => p.Add(c => c.Data, rate));
        loss.Add(2, 0.9);
        rate.Add(2, 0.09);
        await first.InvokeAsync(() => LiveChart.RefreshAll(first.Instance, null, second.Instance));
        var appends = Context.JSInterop.Invocations.Where(i => i.Identifier == "portal.charts.append").ToList();
        Assert.Equal(2, appends.Count);
        Assert.All(appends, a => Assert.Equal([2.0], (double[])a.Arguments[1]!));
    }
}
