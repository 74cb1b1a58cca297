using Portal.Server.Live;

namespace Portal.Server.Tests.Live;

public class LiveHistoryTests
{
    [Fact]
    public async Task A_late_subscriber_gets_the_history_then_the_live_tail_with_no_gap_and_no_duplicate()
    {
        var bus = new LiveBus(TimeProvider.System);
        for (var i = 0; i < 500; i++) bus.Publish("run:late", "step", i);

        // The publisher keeps going while the subscriber joins: the joint must still be seamless.
        var publisher = Task.Run(() =>
        {
            for (var i = 500; i < 12_000; i++) bus.Publish("run:late", "step", i);
        });
        await Task.Delay(1);
        using var subscription = bus.SubscribeFrom("run:late", 0, capacity: 100_000);
        await publisher;

        var seen = new List<long>();
        while (subscription.TryRead(out var e)) seen.Add(e.Sequence);
        Assert.Equal(Enumerable.Range(1, 12_000).Select(i => (long)i), seen);
        Assert.Equal(0, subscription.Missed);
    }

    [Fact]
    public async Task Subscribing_after_a_sequence_number_resumes_right_after_it()
    {
        var bus = new LiveBus(TimeProvider.System);
        for (var i = 1; i <= 10; i++) bus.Publish("job:resume", "progress", i);

        using var subscription = bus.SubscribeFrom("job:resume", afterSequence: 7);
        bus.Publish("job:resume", "status", "done");

        var seen = new List<(long, object)>();
        for (var i = 0; i < 4; i++)
        {
            var e = await subscription.ReadAsync();
            seen.Add((e.Sequence, e.Data));
        }
        Assert.Equal([(8L, (object)8), (9L, 9), (10L, 10), (11L, "done")], seen);
        Assert.False(subscription.TryRead(out _));
    }

    [Fact]
    public void History_beyond_the_cap_is_reported_as_missed_not_silently_skipped()
    {
        var bus = new LiveBus(TimeProvider.System, historyCapacity: 100);
        for (var i = 0; i < 250; i++) bus.Publish("run:long", "step", i);

        using var all = bus.SubscribeFrom("run:long", 0);
        using var recent = bus.SubscribeFrom("run:long", 200);

        var replayed = new List<long>();
        while (all.TryRead(out var e)) replayed.Add(e.Sequence);
        Assert.Equal(Enumerable.Range(151, 100).Select(i => (long)i), replayed);
        Assert.Equal(150, all.Missed);
        Assert.Equal(0, recent.Missed);
        Assert.Equal(50, recent.PendingHistory);
    }

    [Fact]
    public void A_sequence_number_from_before_a_restart_replays_the_whole_history()
    {
        var bus = new LiveBus(TimeProvider.System);
        bus.Publish("run:restarted", "step", 1);
        bus.Publish("run:restarted", "step", 2);

        using var subscription = bus.SubscribeFrom("run:restarted", afterSequence: 5_000);

        Assert.True(subscription.TryRead(out var first));
        Assert.Equal(1, first.Sequence);
    }

    [Fact]
    public async Task The_history_replays_at_the_readers_pace_without_counting_as_dropped()
    {
        var bus = new LiveBus(TimeProvider.System);
        for (var i = 0; i < 5_000; i++) bus.Publish("run:big", "step", i);

        using var subscription = bus.SubscribeFrom("run:big", 0, capacity: 16);
        var count = 0;
        await foreach (var e in subscription)
        {
            Assert.Equal(++count, e.Sequence);
            if (count == 5_000) break;
        }
        Assert.Equal(0, subscription.Dropped);
    }

    [Fact]
    public void A_bus_without_history_gives_a_late_subscriber_only_the_tail()
    {
        var bus = new LiveBus(TimeProvider.System, historyCapacity: 0);
        bus.Publish("jobs", "status", "old");
        using var subscription = bus.SubscribeFrom("jobs", 0);
        bus.Publish("jobs", "status", "new");

        Assert.True(subscription.TryRead(out var e));
        Assert.Equal((2L, (object)"new"), (e.Sequence, e.Data));
        Assert.Equal(1, subscription.Missed);
    }
}
