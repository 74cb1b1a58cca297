namespace Portal.Server.Hosting;

/// <summary>
/// The system clock cut to whole microseconds, the finest time every supported database stores: a time the server
/// returns right after a write equals the one it reads back later, on PostgreSQL as on SQLite.
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
    }
}
