using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Server.Audit;

public static class AuditHash
{
    /// <summary>The hash before the first event.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>HMAC-SHA256 (hex) under the portal's audit key over every field of the event and the previous event's hash.</summary>
    public static string Keyed(AuditEvent e, AuditChainKey key) => key.Mac(Fields(e));

    /// <summary>
    /// Plain SHA-256 (hex) over the same fields: how portals before the keyed chain hashed. Anyone can compute it,
    /// so it is accepted only for the events an upgraded database held before its chain was anchored.
    /// </summary>
    public static string Plain(AuditEvent e) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Fields(e))));

    /// <summary>Microsecond precision, the finest every provider stores exactly (PostgreSQL's timestamptz).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - time.UtcTicks % 10, TimeSpan.Zero);

    private static string Fields(AuditEvent e) => string.Join('\n',
        e.Sequence.ToString(CultureInfo.InvariantCulture),
        e.Time.UtcTicks.ToString(CultureInfo.InvariantCulture),
        e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Details ?? "", e.PreviousHash);
}
