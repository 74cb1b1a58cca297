using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Server.Audit;

public static class AuditHash
{
    /// <summary>The hash before the first event.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>SHA-256 (hex) over every field of the event and the previous event's hash.</summary>
    public static string Compute(AuditEvent e) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
        e.Sequence.ToString(CultureInfo.InvariantCulture),
        e.Time.UtcTicks.ToString(CultureInfo.InvariantCulture),
        e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Details ?? "", e.PreviousHash))));

    /// <summary>Microsecond precision, the finest every provider stores exactly (PostgreSQL's timestamptz).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - time.UtcTicks % 10, TimeSpan.Zero);
}
