using Microsoft.AspNetCore.SignalR;

namespace Portal.Server.Live;

/// <summary>
/// /hubs/live: <c>Stream(topic, afterSequence)</c> is a server-to-client stream of <see cref="LiveMessage"/>s: the
/// retained events after <c>afterSequence</c> (0 for all), then each new event as it is published. A client that
/// reconnects passes the last sequence number it saw and continues with no gap and no duplicate. A run's stream
/// completes after the run's final status (<see cref="ILiveTopicEnd"/>). Authorised like the API (cookie, X-Api-Key,
/// or the key as a bearer token), Viewer and up, and again at every invocation (<see cref="LiveHubAccess"/>).
/// </summary>
public sealed class LiveHub(LiveBus bus, LiveCounters counters, IEnumerable<ILiveTopicEnd> ends) : Hub
{
    public IAsyncEnumerable<LiveMessage> Stream(string topic, long afterSequence, CancellationToken ct)
    {
        if (LiveTopics.Refusal(topic) is { } refusal) throw new HubException(refusal);
        if (afterSequence < 0) throw new HubException($"afterSequence is {afterSequence}; use 0 for the whole history or the last sequence number seen.");
        var subscription = bus.SubscribeFrom(topic, afterSequence, LiveStream.BufferCapacity);
        return LiveStream.Read(subscription, counters, ends.FirstOrDefault(e => e.Covers(topic)), ct);
    }

    /// <summary>The sequence number of the last event published on <paramref name="topic"/> (0: none yet).</summary>
    public long LastSequence(string topic) =>
        LiveTopics.Refusal(topic) is { } refusal ? throw new HubException(refusal) : bus.LastSequence(topic);
}
