using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Server.Api;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>Reads the audit trail, newest first, filtered; for the REST API and the Audit log page alike.</summary>
public sealed class AuditQuery(PortalDbContext db)
{
    public Task<Page<AuditEventView>> List(AuditFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (filter.Actor is { } actor) query = query.Where(e => e.Actor == actor);
        if (filter.Action is { } action) query = query.Where(e => e.Action.StartsWith(action));
        if (filter.SubjectType is { } type) query = query.Where(e => e.SubjectType == type);
        if (filter.SubjectId is { } id) query = query.Where(e => e.SubjectId == id);
        if (filter.From is { } from) query = query.Where(e => e.Time >= from);
        if (filter.To is { } to) query = query.Where(e => e.Time < to);
        return page.Apply(query.OrderByDescending(e => e.Sequence),
            e => new AuditEventView(e.Sequence, e.Time, e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Details, e.Hash), ct);
    }
}
