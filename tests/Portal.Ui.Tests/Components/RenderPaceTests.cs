using Portal.Server.Components;

namespace Portal.Ui.Tests.Components;

public sealed class RenderPaceTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(250);
    private readonly SteppedClock _clock = new();

    [Fact]
    public void An_update_renders_at_once_before_any_render()
    {
        var pace = new RenderPace(s_interval, _clock);

        Assert.True(pace.MayRenderNow());
    }

    [Fact]
    public void Within_the_interval_one_render_is_owed_for_its_end_and_later_updates_ride_on_it()
    {
        var pace = new RenderPace(s_interval, _clock);
        pace.Rendered();
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.False(pace.MayRenderNow());
        Assert.Equal(TimeSpan.FromMilliseconds(150), pace.Owe());
        Assert.True(pace.Owed);
        _clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Null(pace.Owe());
    }

    [Fact]
    public void A_render_pays_what_is_owed_and_starts_the_interval_again()
    {
        var pace = new RenderPace(s_interval, _clock);
        pace.Rendered();
        pace.Owe();
        _clock.Advance(s_interval);

        pace.Rendered();

        Assert.False(pace.Owed);
        Assert.False(pace.MayRenderNow());
        _clock.Advance(s_interval);
        Assert.True(pace.MayRenderNow());
    }

    /// <summary>Timestamps that move only when the test says so.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
