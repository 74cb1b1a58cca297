namespace Portal.Server.Live;

/// <summary>A topic's sequence counter and subscribers; publishing under its lock keeps every subscriber's order the sequence order.</summary>
internal sealed class LiveTopic(string name)
{
    private readonly Lock _gate = new();
    private LiveSubscription[] _subscribers = [];
    private long _sequence;

    public long LastSequence
    {
        get
        {
            lock (_gate) return _sequence;
        }
    }

    public LiveEvent Publish(string type, object data, DateTimeOffset time)
    {
        lock (_gate)
        {
            var e = new LiveEvent(name, ++_sequence, time, type, data);
            // Offer never blocks: a full buffer drops its oldest event.
            foreach (var subscriber in _subscribers) subscriber.Offer(e);
            return e;
        }
    }

    public LiveSubscription Subscribe(int capacity)
    {
        var subscription = new LiveSubscription(name, capacity, Unsubscribe);
        lock (_gate) _subscribers = [.. _subscribers, subscription];
        return subscription;
    }

    private void Unsubscribe(LiveSubscription subscription)
    {
        lock (_gate) _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, subscription))];
    }
}
