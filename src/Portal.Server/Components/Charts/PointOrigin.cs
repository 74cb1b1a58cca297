namespace Portal.Server.Components.Charts;

/// <summary>
/// Where a live point came from: the sequence number of its event on the bus topic, and the wall-clock time its
/// source made it (Unix milliseconds, sub-millisecond precision). The browser draws nothing from it; it lets a page
/// opened with <c>?live-timing</c> record how long each point took from its source to the screen.
/// </summary>
public readonly record struct PointOrigin(long Sequence, double MadeAtUnixMs)
{
    public static PointOrigin Of(long sequence, DateTimeOffset madeAt) => new(sequence, (madeAt - DateTimeOffset.UnixEpoch).TotalMilliseconds);
}
