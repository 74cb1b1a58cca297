namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// The system clock plus an offset that a test moves forward with <see cref="Advance"/>: "two days later" without
/// waiting. Time keeps running, so ordering by time and timers behave as in production (timers run in real time).
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), by, "The test clock only moves forward.");
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
