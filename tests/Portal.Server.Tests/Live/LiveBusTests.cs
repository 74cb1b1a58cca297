using Portal.Server.Live;

namespace Portal.Server.Tests.Live;

public class LiveBusTests
{
    private readonly LiveBus _bus = new(TimeProvider.System);

    [Fact]
    public void Each_topic_numbers_its_events_from_one_without_gaps()
    {
        var a = Enumerable.Range(0, 3).Select(i => _bus.Publish("run:a", "step", i).Sequence).ToList();
        var b = _bus.Publish("run:b", "step", 0).Sequence;
        a.Add(_bus.Publish("run:a", "epoch", 1).Sequence);

        Assert.Equal([1L, 2, 3, 4], a);
        Assert.Equal(1, b);
        Assert.Equal(4, _bus.LastSequence("run:a"));
        Assert.Equal(0, _bus.LastSequence("run:never"));
    }

    [Fact]
    public async Task A_subscriber_gets_the_events_published_after_it_subscribed_in_order()
    {
        _bus.Publish("job:1", "status", "before");
        using var subscription = _bus.Subscribe("job:1");
        _bus.Publish("job:1", "progress", 0.5);
        _bus.Publish("job:2", "progress", 0.7);
        _bus.Publish("job:1", "status", "after");

        var first = await subscription.ReadAsync();
        var second = await subscription.ReadAsync();

        Assert.Equal(("job:1", 2L, "progress", (object)0.5), (first.Topic, first.Sequence, first.Type, first.Data));
        Assert.Equal((3L, "status", (object)"after"), (second.Sequence, second.Type, second.Data));
        Assert.False(subscription.TryRead(out _));
    }

    [Fact]
    public void A_subscriber_that_does_not_read_keeps_the_newest_events_and_never_holds_up_the_publisher()
    {
        using var slow = _bus.Subscribe("run:busy", capacity: 16);
        using var other = _bus.Subscribe("run:busy", capacity: 100_000);

        for (var i = 0; i < 10_000; i++) _bus.Publish("run:busy", "step", i);

        var kept = new List<LiveEvent>();
        while (slow.TryRead(out var e)) kept.Add(e);
        Assert.Equal(Enumerable.Range(9_985, 16).Select(i => (long)i), kept.Select(e => e.Sequence));
        Assert.Equal(10_000 - 16, slow.Dropped);
        Assert.Equal(0, other.Dropped);
    }

    [Fact]
    public async Task Disposing_a_subscription_ends_its_stream_and_leaves_the_others_alone()
    {
        var leaving = _bus.Subscribe("run:x");
        using var staying = _bus.Subscribe("run:x");
        _bus.Publish("run:x", "step", 1);
        leaving.Dispose();
        _bus.Publish("run:x", "step", 2);

        var drained = new List<long>();
        await foreach (var e in leaving) drained.Add(e.Sequence);

        Assert.Equal([1L], drained);
        Assert.Equal(1, (await staying.ReadAsync()).Sequence);
        Assert.Equal(2, (await staying.ReadAsync()).Sequence);
    }

    [Fact]
    public async Task Concurrent_publishers_get_distinct_sequence_numbers_and_each_subscriber_sees_them_rising()
    {
        using var subscription = _bus.Subscribe("run:many", capacity: 100_000);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++) _bus.Publish("run:many", "step", p);
        })));

        var seen = new List<long>();
        while (subscription.TryRead(out var e)) seen.Add(e.Sequence);
        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => (long)i), seen);
    }
}
