namespace Portal.Server.Audit;

/// <summary>
/// One append-only entry of the audit trail. <see cref="Hash"/> covers every field and the previous entry's
/// hash, so editing or deleting any entry breaks the chain at that point. A unique index on
/// <see cref="PreviousHash"/> makes a fork (two entries after the same one) impossible.
/// </summary>
public sealed class AuditEvent
{
    /// <summary>Position in the chain, from 1; assigned when the event is saved.</summary>
    public long Sequence { get; set; }
    public DateTimeOffset Time { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string SubjectType { get; set; }
    public required string SubjectId { get; set; }
    public string? Details { get; set; }
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}
