namespace Portal.Server.Live;

/// <summary>Totals over every hub stream since start: messages sent, events downsampled away, events dropped unsent.</summary>
public sealed class LiveCounters
{
    private long _sent;
    private long _downsampled;
    private long _dropped;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Events left out of a lagging viewer's stream, represented by the min/max/last kept around them.</summary>
    public long Downsampled => Interlocked.Read(ref _downsampled);

    /// <summary>Events lost with no representative: a viewer's buffer overflowed before it was read.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal void Count(long sent, long downsampled, long dropped)
    {
        if (sent != 0) Interlocked.Add(ref _sent, sent);
        if (downsampled != 0) Interlocked.Add(ref _downsampled, downsampled);
        if (dropped != 0) Interlocked.Add(ref _dropped, dropped);
    }
}
