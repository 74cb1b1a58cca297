using Portal.Server.Live;

namespace Portal.Server.Tests.Live;

public class LiveDownsamplingTests
{
    private sealed record Sample(double SampleValue) : ILiveSample;

    private static LiveEvent Event(long sequence, object data) => new("run:d", sequence, DateTimeOffset.UnixEpoch, data is Sample ? "step" : "status", data);

    [Fact]
    public void A_backlog_keeps_every_non_sample_event_and_the_min_max_and_last_of_each_bucket()
    {
        // 1..300 samples whose values rise and fall, a status event in the middle, an extreme spike at 77 and a dip at 222.
        var backlog = new List<LiveEvent>();
        for (var i = 1; i <= 301; i++)
        {
            object data = i == 150 ? "epoch done" : new Sample(i == 77 ? 1_000 : i == 222 ? -1_000 : Math.Sin(i / 10.0));
            backlog.Add(Event(i, data));
        }

        var kept = LiveDownsampler.Downsample(backlog, target: 30);

        Assert.InRange(kept.Count, 10, 45);
        Assert.Contains(kept, m => m.Sequence == 150 && (string)m.Data == "epoch done");
        Assert.Contains(kept, m => m.Sequence == 77);
        Assert.Contains(kept, m => m.Sequence == 222);
        Assert.Equal(301, kept[^1].Sequence);
        // In order, and every gap is exactly what the message says was downsampled: nothing vanished unaccounted.
        long previous = 0;
        foreach (var m in kept)
        {
            Assert.True(m.Sequence > previous, $"message {m.Sequence} came after {previous}");
            Assert.Equal(m.Sequence - previous - 1, m.Downsampled);
            previous = m.Sequence;
        }
        Assert.Equal(backlog.Count - kept.Count, kept.Sum(m => m.Downsampled));
    }

    [Fact]
    public void A_backlog_smaller_than_the_target_is_sent_whole()
    {
        var backlog = Enumerable.Range(1, 20).Select(i => Event(i, new Sample(i))).ToList();

        var kept = LiveDownsampler.Downsample(backlog, target: 96);

        Assert.Equal(backlog.Select(e => e.Sequence), kept.Select(m => m.Sequence));
        Assert.All(kept, m => Assert.Equal(0, m.Downsampled));
    }

    [Fact]
    public async Task A_viewer_that_lags_gets_a_downsampled_stream_and_the_counters_say_so()
    {
        var bus = new LiveBus(TimeProvider.System);
        var counters = new LiveCounters();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var subscription = bus.SubscribeFrom("run:lag", 0, LiveStream.BufferCapacity);
        // The viewer is busy while 5 000 steps and a final status are published.
        for (var i = 0; i < 5_000; i++) bus.Publish("run:lag", "step", new Sample(i % 100));
        bus.Publish("run:lag", "status", "Succeeded");

        var received = new List<LiveMessage>();
        await foreach (var m in LiveStream.Read(subscription, counters, ct: cancel.Token))
        {
            received.Add(m);
            if (m.Type == "status") break;
        }

        Assert.InRange(received.Count, 10, 500);
        Assert.Equal(5_001, received[^1].Sequence);
        Assert.Equal(5_000, received[^2].Sequence);
        Assert.Equal(5_001 - received.Count, received.Sum(m => m.Downsampled));
        Assert.Equal((long)received.Count, counters.Sent);
        Assert.Equal(5_001 - received.Count, counters.Downsampled);
        Assert.Equal(0, counters.Dropped);
    }

    [Fact]
    public async Task A_viewer_that_keeps_up_gets_every_event()
    {
        var bus = new LiveBus(TimeProvider.System);
        var counters = new LiveCounters();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // 200 in the history, 200 live: never more than the lag threshold waiting, so nothing is downsampled.
        for (var i = 0; i < 200; i++) bus.Publish("run:fast", "step", new Sample(i));
        var subscription = bus.SubscribeFrom("run:fast", 0, LiveStream.BufferCapacity);
        var publisher = Task.Run(async () =>
        {
            for (var i = 200; i < 400; i++)
            {
                bus.Publish("run:fast", "step", new Sample(i));
                if (i % 50 == 0) await Task.Delay(1);
            }
        });

        var received = new List<long>();
        await foreach (var m in LiveStream.Read(subscription, counters, ct: cancel.Token))
        {
            received.Add(m.Sequence);
            if (received.Count == 400) break;
        }
        await publisher;

        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), received);
        Assert.Equal(0, counters.Downsampled);
    }
}
