namespace Portal.Contracts.Audit;

/// <summary>One event of the audit chain: who did what to which subject, with its hash in the chain.</summary>
public sealed record AuditEventView(long Sequence, DateTimeOffset Time, string Actor, string Action, string SubjectType, string SubjectId, string? Details, string Hash);

/// <summary>
/// The chain's head at a moment: event <see cref="Sequence"/> had hash <see cref="Head"/> at <see cref="Time"/>.
/// <see cref="Mac"/> (HMAC under the audit key) covers these fields and <see cref="Previous"/>, the previous
/// checkpoint's MAC, so a checkpoint can be neither forged nor dropped from the middle of the file unnoticed.
/// </summary>
public sealed record AuditCheckpoint(long Sequence, string Head, DateTimeOffset Time, string Previous, string Mac);
