using System.Text.Json;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>
/// Records what changed, by whom, in the same unit of work as the change: call <see cref="Append"/> before the
/// change's SaveChanges; <see cref="AuditChainInterceptor"/> chains and stores it with that save, or not at all.
/// </summary>
public sealed class AuditLog(PortalDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public void Append(string actor, string action, string subjectType, string subjectId, object? details = null)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            Sequence = ProvisionalSequence(),
            Time = AuditHash.Truncate(clock.GetUtcNow()),
            Actor = actor,
            Action = action,
            SubjectType = subjectType,
            SubjectId = subjectId,
            Details = details is null ? null : JsonSerializer.Serialize(details, s_json),
            PreviousHash = "",
            Hash = "",
        });
    }

    /// <summary>Appends and saves at once, for events that accompany no other change (sign-in, say).</summary>
    public async Task Record(string actor, string action, string subjectType, string subjectId, object? details, CancellationToken ct)
    {
        Append(actor, action, subjectType, subjectId, details);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// A key below every unsaved event's in this unit of work: EF's identity map needs distinct keys, and the chain
    /// interceptor replaces them in the order they were appended when saving.
    /// </summary>
    private long ProvisionalSequence() => Math.Min(0, db.AuditEvents.Local.Select(e => e.Sequence).DefaultIfEmpty(0).Min()) - 1;
}
