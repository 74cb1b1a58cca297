using Portal.Server.Components.Charts;

namespace Portal.Ui.Tests.Components;

public sealed class CurveDataTests
{
    [Fact]
    public void Values_must_match_the_series_and_the_message_names_them()
    {
        var data = new CurveData("train loss", "validation loss");
        var e = Assert.Throws<ArgumentException>(() => data.Add(1, 0.5));
        Assert.Contains("2 series (train loss, validation loss) but 1 values were given at x=1", e.Message);
    }

    [Fact]
    public void X_must_not_decrease()
    {
        var data = new CurveData("loss");
        data.Add(2, 1.0);
        var e = Assert.Throws<ArgumentException>(() => data.Add(1, 0.9));
        Assert.Contains("1 after 2", e.Message);
    }

    [Fact]
    public void Non_finite_values_become_gaps()
    {
        var data = new CurveData("loss");
        data.Add(1, double.NaN);
        data.Add(2, double.PositiveInfinity);
        data.Add(3, 0.25);
        Assert.Equal([null, null, 0.25], data.Series(0));
    }

    [Fact]
    public void From_returns_only_the_points_after_an_index()
    {
        var data = new CurveData("a", "b");
        for (var i = 0; i < 10; i++) data.Add(i, i * 2.0, i % 2 == 0 ? null : i);
        var (xs, ys) = data.From(7);
        Assert.Equal([7.0, 8.0, 9.0], xs);
        Assert.Equal([14.0, 16.0, 18.0], ys[0]);
        Assert.Equal([7.0, null, 9.0], ys[1]);
    }

    [Fact]
    public void Clear_empties_the_chart_and_starts_a_new_generation()
    {
        var data = new CurveData("loss");
        data.Add(1, 1.0);
        var generation = data.Generation;
        data.Clear();
        Assert.Equal(0, data.Count);
        Assert.Equal(generation + 1, data.Generation);
    }

    [Fact]
    public void Live_points_keep_their_origin_and_other_points_get_none()
    {
        var data = new CurveData("loss");
        Assert.Null(data.OriginsFrom(0));
        data.Add(1, 1.0);
        data.Add(new PointOrigin(7, 1_790_000_000_123.25), 2, 0.9);
        data.Add(new PointOrigin(9, 1_790_000_000_140.5), 3, 0.8);

        var (sequence, madeAt) = data.OriginsFrom(0)!.Value;
        Assert.Equal([0L, 7, 9], sequence);
        Assert.Equal([0, 1_790_000_000_123.25, 1_790_000_000_140.5], madeAt);
        Assert.Equal([9L], data.OriginsFrom(2)!.Value.Sequence);
        // Nothing live past the end: nothing to time.
        Assert.Null(data.OriginsFrom(3));
    }

    [Fact]
    public void A_point_origin_is_the_unix_time_in_milliseconds_with_its_fraction()
    {
        var origin = PointOrigin.Of(4, DateTimeOffset.UnixEpoch.AddTicks(12_345_678));
        Assert.Equal(4, origin.Sequence);
        Assert.Equal(1_234.5678, origin.MadeAtUnixMs, 9);
    }

    [Fact]
    public void Clear_forgets_the_origins()
    {
        var data = new CurveData("loss");
        data.Add(new PointOrigin(1, 5), 1, 1.0);
        data.Clear();
        data.Add(1, 1.0);
        Assert.Null(data.OriginsFrom(0));
    }
}
