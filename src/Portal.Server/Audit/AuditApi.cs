using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

public static class AuditApi
{
    public sealed record AuditFilter(string? Actor, string? Action, string? SubjectType, string? SubjectId, DateTimeOffset? From, DateTimeOffset? To);

    public sealed record AuditEventView(long Sequence, DateTimeOffset Time, string Actor, string Action, string SubjectType, string SubjectId, string? Details, string Hash);

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/audit").WithTags("Audit").RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/", List);
        group.MapGet("/verify", Verify);
        return v1;
    }

    private static async Task<Ok<Page<AuditEventView>>> List([AsParameters] AuditFilter filter, [AsParameters] PageRequest page, PortalDbContext db, CancellationToken ct)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (filter.Actor is { } actor) query = query.Where(e => e.Actor == actor);
        if (filter.Action is { } action) query = query.Where(e => e.Action.StartsWith(action));
        if (filter.SubjectType is { } type) query = query.Where(e => e.SubjectType == type);
        if (filter.SubjectId is { } id) query = query.Where(e => e.SubjectId == id);
        if (filter.From is { } from) query = query.Where(e => e.Time >= from);
        if (filter.To is { } to) query = query.Where(e => e.Time < to);
        return TypedResults.Ok(await page.Apply(query.OrderByDescending(e => e.Sequence),
            e => new AuditEventView(e.Sequence, e.Time, e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Details, e.Hash), ct));
    }

    private static async Task<Ok<AuditChainReport>> Verify(AuditChainVerifier verifier, CancellationToken ct) =>
        TypedResults.Ok(await verifier.Verify(ct));
}
