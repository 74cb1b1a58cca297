using System.Collections.Concurrent;

namespace Portal.Server.Live;

/// <summary>
/// The in-process fan-out of progress: publishers (the training loop, the job runner) never wait, each
/// subscriber reads from a bounded buffer of its own that drops its oldest events when full. The SignalR hub
/// and Blazor components subscribe here.
/// </summary>
public sealed class LiveBus(TimeProvider clock)
{
    public const int DefaultCapacity = 1024;

    // Topics are kept for the life of the process so their sequence numbers never restart; each is a few bytes.
    private readonly ConcurrentDictionary<string, LiveTopic> _topics = new(StringComparer.Ordinal);

    public LiveEvent Publish(string topic, string type, object data)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return Topic(topic).Publish(type, data, clock.GetUtcNow());
    }

    /// <summary>Events published on <paramref name="topic"/> from now on, until the subscription is disposed.</summary>
    public LiveSubscription Subscribe(string topic, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        return Topic(topic).Subscribe(capacity);
    }

    /// <summary>The sequence number of the last event on <paramref name="topic"/>, 0 when none was published.</summary>
    public long LastSequence(string topic) => _topics.TryGetValue(topic, out var t) ? t.LastSequence : 0;

    private LiveTopic Topic(string name) => _topics.GetOrAdd(name, static n => new LiveTopic(n));
}
