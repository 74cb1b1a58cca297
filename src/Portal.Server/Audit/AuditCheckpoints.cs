using System.Globalization;
using Portal.Contracts.Audit;

namespace Portal.Server.Audit;

/// <summary>
/// Seals and checks <see cref="AuditCheckpoint"/>s: the MAC (HMAC under the audit key) covers a checkpoint's fields
/// and the previous checkpoint's MAC, so a checkpoint can be neither forged nor dropped from the middle of the file
/// unnoticed.
/// </summary>
public static class AuditCheckpoints
{
    public static AuditCheckpoint Create(long sequence, string head, DateTimeOffset time, string previous, AuditChainKey key) =>
        new(sequence, head, time, previous, key.Mac(Fields(sequence, head, time, previous)));

    public static bool IsAuthentic(this AuditCheckpoint checkpoint, AuditChainKey key) =>
        string.Equals(checkpoint.Mac, key.Mac(Fields(checkpoint.Sequence, checkpoint.Head, checkpoint.Time, checkpoint.Previous)), StringComparison.Ordinal);

    private static string Fields(long sequence, string head, DateTimeOffset time, string previous) => string.Join('\n',
        "audit-checkpoint",
        sequence.ToString(CultureInfo.InvariantCulture),
        head,
        time.UtcTicks.ToString(CultureInfo.InvariantCulture),
        previous);
}
