using System.Runtime.CompilerServices;

namespace Portal.Server.Live;

/// <summary>
/// Reads a subscription as a viewer's stream: the history at the viewer's pace, the live tail one message per
/// event while the viewer keeps up, and a downsampled backlog once more than <see cref="LagThreshold"/> live
/// events wait. The publisher never waits; the subscription's buffer is the only bound.
/// </summary>
public static class LiveStream
{
    /// <summary>Live events waiting before the backlog is downsampled.</summary>
    public const int LagThreshold = 256;

    /// <summary>About how many messages a downsampled backlog becomes.</summary>
    public const int DownsampleTarget = 96;

    /// <summary>Live events a hub subscription buffers before dropping its oldest (far beyond what downsampling lets pile up).</summary>
    public const int BufferCapacity = 16_384;

    /// <summary>
    /// Yields the subscription's events as messages until it ends, <paramref name="end"/> says the topic is over (its
    /// last event was sent, or its subject had finished and the retained events are read) or <paramref name="ct"/>
    /// fires; disposes the subscription.
    /// </summary>
    public static async IAsyncEnumerable<LiveMessage> Read(LiveSubscription subscription, LiveCounters counters, ILiveTopicEnd? end = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var _ = subscription;
        var backlog = new List<LiveEvent>();
        long droppedSeen = 0;
        var endedBefore = end is not null && await end.HasEnded(subscription.Topic, ct);
        while (!(endedBefore && subscription.PendingHistory == 0 && subscription.PendingLive == 0) && await subscription.WaitToReadAsync(ct))
        {
            if (subscription.PendingHistory > 0 || subscription.PendingLive <= LagThreshold)
            {
                if (!subscription.TryRead(out var e)) continue;
                counters.Count(1, 0, NewlyDropped());
                yield return LiveMessage.Of(e);
                if (end?.IsLast(e.Data) == true) yield break;
                continue;
            }

            backlog.Clear();
            while (backlog.Count < BufferCapacity && subscription.TryRead(out var e)) backlog.Add(e);
            var messages = LiveDownsampler.Downsample(backlog, DownsampleTarget);
            counters.Count(messages.Count, backlog.Count - messages.Count, NewlyDropped());
            foreach (var m in messages)
            {
                yield return m;
                if (end?.IsLast(m.Data) == true) yield break;
            }
        }

        long NewlyDropped()
        {
            var dropped = subscription.Dropped;
            var added = dropped - droppedSeen;
            droppedSeen = dropped;
            return added;
        }
    }
}
