using Portal.Server.Live;

namespace Portal.Server.Tests.Live;

public class LiveIdleHistoryTests
{
    [Fact]
    public void Beyond_the_budget_the_least_recently_active_idle_topics_shed_their_history_and_keep_their_numbers()
    {
        var bus = new LiveBus(TimeProvider.System, idleHistories: 2);
        foreach (var run in new[] { "run:a", "run:b", "run:c" })
        {
            for (var i = 0; i < 5; i++) bus.Publish(run, "step", i);
        }
        // run:a is active again, so run:b is now the least recent; a new topic brings the count over the budget.
        bus.Publish("run:a", "step", 5);
        bus.Publish("run:d", "step", 0);

        Assert.Equal(0, bus.RetainedCount("run:b"));
        Assert.Equal(6, bus.RetainedCount("run:a"));
        Assert.Equal(5, bus.RetainedCount("run:c"));
        using var late = bus.SubscribeFrom("run:b", 0);
        Assert.Equal(5, late.Missed);
        Assert.False(late.TryRead(out _));
        Assert.Equal(6, bus.Publish("run:b", "step", 5).Sequence);
    }

    [Fact]
    public void A_topic_someone_follows_keeps_its_history_whatever_the_budget()
    {
        var bus = new LiveBus(TimeProvider.System, idleHistories: 0);
        using var watcher = bus.Subscribe("run:watched");
        for (var i = 0; i < 3; i++) bus.Publish("run:watched", "step", i);
        bus.Publish("run:other", "step", 0);
        bus.Publish("run:third", "step", 0);

        Assert.Equal(3, bus.RetainedCount("run:watched"));
        Assert.Equal(0, bus.RetainedCount("run:other"));
        using var late = bus.SubscribeFrom("run:watched", 0);
        Assert.Equal(0, late.Missed);
    }
}
