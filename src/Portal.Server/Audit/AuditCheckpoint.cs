using System.Globalization;

namespace Portal.Server.Audit;

/// <summary>
/// The chain's head at a moment: event <see cref="Sequence"/> had hash <see cref="Head"/> at <see cref="Time"/>.
/// <see cref="Mac"/> (HMAC under the audit key) covers these fields and <see cref="Previous"/>, the previous
/// checkpoint's MAC, so a checkpoint can be neither forged nor dropped from the middle of the file unnoticed.
/// </summary>
public sealed record AuditCheckpoint(long Sequence, string Head, DateTimeOffset Time, string Previous, string Mac)
{
    public static AuditCheckpoint Create(long sequence, string head, DateTimeOffset time, string previous, AuditChainKey key) =>
        new(sequence, head, time, previous, key.Mac(Fields(sequence, head, time, previous)));

    public bool IsAuthentic(AuditChainKey key) =>
        string.Equals(Mac, key.Mac(Fields(Sequence, Head, Time, Previous)), StringComparison.Ordinal);

    private static string Fields(long sequence, string head, DateTimeOffset time, string previous) => string.Join('\n',
        "audit-checkpoint",
        sequence.ToString(CultureInfo.InvariantCulture),
        head,
        time.UtcTicks.ToString(CultureInfo.InvariantCulture),
        previous);
}
