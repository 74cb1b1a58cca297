using System.Threading.Channels;

namespace Portal.Server.Live;

/// <summary>
/// One subscriber's view of a topic: first the retained history it asked for (<see cref="LiveBus.SubscribeFrom"/>),
/// then a bounded buffer of the live tail that drops its oldest event when full, so a slow reader loses old
/// progress rather than slowing the publisher. Enumerate it to read (one reader); dispose it to leave the topic.
/// </summary>
public sealed class LiveSubscription : IAsyncEnumerable<LiveEvent>, IDisposable
{
    private readonly Channel<LiveEvent> _buffer;
    private readonly Queue<LiveEvent> _replay;
    private readonly Action<LiveSubscription> _leave;
    private long _dropped;
    private int _disposed;

    internal LiveSubscription(string topic, int capacity, IReadOnlyCollection<LiveEvent> replay, long missed, Action<LiveSubscription> leave)
    {
        Topic = topic;
        Missed = missed;
        _replay = new Queue<LiveEvent>(replay);
        _leave = leave;
        _buffer = Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public string Topic { get; }

    /// <summary>Live events this subscriber lost because it read too slowly.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Events the subscriber asked for that were no longer retained when it subscribed (older than the topic's
    /// history cap); 0 for <see cref="LiveBus.Subscribe"/>.
    /// </summary>
    public long Missed { get; }

    /// <summary>History events not read yet; while it is above 0 the reader is catching up, not lagging.</summary>
    public int PendingHistory => _replay.Count;

    /// <summary>Live events waiting in the buffer.</summary>
    public int PendingLive => _buffer.Reader.Count;

    public bool TryRead(out LiveEvent e) => _replay.TryDequeue(out e!) || _buffer.Reader.TryRead(out e!);

    public ValueTask<LiveEvent> ReadAsync(CancellationToken ct = default) =>
        _replay.TryDequeue(out var e) ? ValueTask.FromResult(e) : _buffer.Reader.ReadAsync(ct);

    /// <summary>True when an event can be read, false once the subscription is disposed and drained.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken ct = default) =>
        _replay.Count > 0 ? ValueTask.FromResult(true) : _buffer.Reader.WaitToReadAsync(ct);

    public async IAsyncEnumerator<LiveEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (_replay.TryDequeue(out var e)) yield return e;
        await foreach (var e in _buffer.Reader.ReadAllAsync(cancellationToken)) yield return e;
    }

    internal void Offer(LiveEvent e) => _buffer.Writer.TryWrite(e);

    /// <summary>Leaves the topic; events already buffered can still be read, then the stream ends.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _leave(this);
        _buffer.Writer.TryComplete();
    }
}
