using Portal.Server.Live;

namespace Portal.Server.Components.Live;

/// <summary>
/// The one place a page follows a LiveBus topic from its circuit. Events that arrive while the page is still
/// handling the previous ones are handed over together, so a page redraws once per batch however fast the
/// publisher goes, and the publisher never waits on a browser.
/// </summary>
public sealed class LiveFeed : IAsyncDisposable
{
    /// <summary>Events handed over at most at once; the rest follow in the next batch.</summary>
    public const int MaxBatch = 4096;

    private readonly LiveSubscription _subscription;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    private LiveFeed(LiveSubscription subscription, Func<IReadOnlyList<LiveEvent>, Task> onBatch)
    {
        _subscription = subscription;
        _pump = Pump(onBatch, _stop.Token);
    }

    /// <summary>Events lost because the page read too slowly (the bus keeps each subscriber's buffer bounded).</summary>
    public long Dropped => _subscription.Dropped;

    /// <summary>
    /// Follows <paramref name="topic"/>: the bus's retained events after <paramref name="afterSequence"/> (0: all
    /// it keeps), then each event as it is published, with no gap and no duplicate.
    /// </summary>
    public static LiveFeed Follow(LiveBus bus, string topic, long afterSequence, Func<IReadOnlyList<LiveEvent>, Task> onBatch) =>
        new(bus.SubscribeFrom(topic, afterSequence, LiveBus.DefaultCapacity * 16), onBatch);

    private async Task Pump(Func<IReadOnlyList<LiveEvent>, Task> onBatch, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var first = await _subscription.ReadAsync(ct);
                var batch = new List<LiveEvent> { first };
                while (batch.Count < MaxBatch && _subscription.TryRead(out var next)) batch.Add(next);
                await onBatch(batch);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (ObjectDisposedException)
        {
            // The circuit went away while a batch was being drawn.
        }
        _stop.Dispose();
    }
}
