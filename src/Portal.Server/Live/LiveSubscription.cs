using System.Threading.Channels;

namespace Portal.Server.Live;

/// <summary>
/// One subscriber's view of a topic: a bounded buffer that drops its oldest event when full, so a slow reader
/// loses old progress rather than slowing the publisher. Enumerate it to read; dispose it to leave the topic.
/// </summary>
public sealed class LiveSubscription : IAsyncEnumerable<LiveEvent>, IDisposable
{
    private readonly Channel<LiveEvent> _buffer;
    private readonly Action<LiveSubscription> _leave;
    private long _dropped;
    private int _disposed;

    internal LiveSubscription(string topic, int capacity, Action<LiveSubscription> leave)
    {
        Topic = topic;
        _leave = leave;
        _buffer = Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public string Topic { get; }

    /// <summary>Events this subscriber lost because it read too slowly.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public bool TryRead(out LiveEvent e) => _buffer.Reader.TryRead(out e!);

    public ValueTask<LiveEvent> ReadAsync(CancellationToken ct = default) => _buffer.Reader.ReadAsync(ct);

    public IAsyncEnumerator<LiveEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _buffer.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    internal void Offer(LiveEvent e) => _buffer.Writer.TryWrite(e);

    /// <summary>Leaves the topic; events already buffered can still be read, then the stream ends.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _leave(this);
        _buffer.Writer.TryComplete();
    }
}
