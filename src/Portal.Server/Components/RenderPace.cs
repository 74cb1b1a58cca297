namespace Portal.Server.Components;

/// <summary>
/// Paces a component's renders for updates that may wait: such an update renders at once when the last render is
/// at least <see cref="Interval"/> old; otherwise one render is owed for when the interval ends, and it carries every
/// update that arrives meanwhile. Every render counts (<see cref="Rendered"/>), whatever caused it.
/// </summary>
public sealed class RenderPace(TimeSpan interval, TimeProvider clock)
{
    private long? _renderedAt;

    public TimeSpan Interval => interval;

    /// <summary>A render is owed and none has happened since it was.</summary>
    public bool Owed { get; private set; }

    /// <summary>Records a render: whatever was owed went out with it.</summary>
    public void Rendered()
    {
        _renderedAt = clock.GetTimestamp();
        Owed = false;
    }

    /// <summary>True when an update that may wait can render now.</summary>
    public bool MayRenderNow() => _renderedAt is not { } at || clock.GetElapsedTime(at) >= interval;

    /// <summary>
    /// Owes a render for an update that must wait: how long until it may go out, or null when one is owed already
    /// (it carries this update too).
    /// </summary>
    public TimeSpan? Owe()
    {
        if (Owed) return null;
        Owed = true;
        var wait = _renderedAt is { } at ? interval - clock.GetElapsedTime(at) : TimeSpan.Zero;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }
}
