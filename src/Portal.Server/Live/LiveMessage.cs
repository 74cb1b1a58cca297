namespace Portal.Server.Live;

/// <summary>
/// What the hub sends for one event of a topic. <see cref="Downsampled"/> counts the events of this topic just
/// before this one that were left out because the viewer lagged (min/max/last of each stretch are kept). A
/// sequence gap larger than that was dropped; a gap of exactly that was downsampled; no gap, nothing was lost.
/// </summary>
public sealed record LiveMessage(string Topic, long Sequence, DateTimeOffset Time, string Type, object Data, long Downsampled)
{
    public static LiveMessage Of(LiveEvent e, long downsampled = 0) => new(e.Topic, e.Sequence, e.Time, e.Type, e.Data, downsampled);
}
