namespace Portal.Server.Tests.Serving.Drift;

/// <summary>A clock that stands still until the test moves it: windows and buckets at exact times.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
