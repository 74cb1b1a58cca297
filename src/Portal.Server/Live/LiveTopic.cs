namespace Portal.Server.Live;

/// <summary>
/// A topic's sequence counter, its retained history and its subscribers; publishing under its lock keeps every
/// subscriber's order the sequence order, and subscribing under the same lock makes history and live tail meet
/// with no gap and no duplicate.
/// </summary>
internal sealed class LiveTopic(string name, int historyCapacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<LiveEvent> _history = new();
    private LiveSubscription[] _subscribers = [];
    private long _sequence;
    private long _lastActivity;

    /// <summary>The bus's activity stamp of the last publish or subscribe here; larger is more recent.</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    public int RetainedCount
    {
        get
        {
            lock (_gate) return _history.Count;
        }
    }

    public void Touch(long stamp) => Interlocked.Exchange(ref _lastActivity, stamp);

    /// <summary>Drops the retained events; the sequence goes on from where it was.</summary>
    public void ShedHistory()
    {
        lock (_gate)
        {
            // A subscriber that joined since the bus chose this topic keeps it from losing its history.
            if (_subscribers.Length == 0) _history.Clear();
        }
    }

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
            if (historyCapacity > 0)
            {
                if (_history.Count == historyCapacity) _history.Dequeue();
                _history.Enqueue(e);
            }
            // Offer never blocks: a full buffer drops its oldest event.
            foreach (var subscriber in _subscribers) subscriber.Offer(e);
            return e;
        }
    }

    public LiveSubscription Subscribe(int capacity) => Subscribe(capacity, afterSequence: null);

    /// <summary>
    /// A subscription that first replays the retained events after <paramref name="afterSequence"/>, then the live tail.
    /// A sequence beyond the last published one comes from an earlier process (numbers restart with the process):
    /// the whole retained history is replayed.
    /// </summary>
    public LiveSubscription Subscribe(int capacity, long? afterSequence)
    {
        lock (_gate)
        {
            LiveEvent[] replay = [];
            long missed = 0;
            if (afterSequence is { } after)
            {
                if (after > _sequence) after = 0;
                var oldest = _history.TryPeek(out var first) ? first.Sequence : _sequence + 1;
                missed = Math.Max(0, oldest - after - 1);
                replay = [.. _history.Skip((int)Math.Max(0, after - oldest + 1))];
            }
            var subscription = new LiveSubscription(name, capacity, replay, missed, Unsubscribe);
            _subscribers = [.. _subscribers, subscription];
            return subscription;
        }
    }

    private void Unsubscribe(LiveSubscription subscription)
    {
        lock (_gate) _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, subscription))];
    }
}
