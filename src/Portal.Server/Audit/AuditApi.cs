using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Server.Api;
using Portal.Server.Auth;

namespace Portal.Server.Audit;

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/audit").WithTags("Audit").RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/", List)
            .WithSummary("Search the audit trail")
            .WithDescription("Every change made through the portal, newest first: who (`actor`), what (`action`, matched as a prefix, e.g. `promotion.`), "
                + "on which subject (`subjectType`, `subjectId`), and between `from` (inclusive) and `to` (exclusive). Each event carries its hash in the chain. "
                + "Paged: `offset`, and `limit` (default 50, at most 500).");
        group.MapGet("/verify", Verify)
            .WithSummary("Verify the audit chain")
            .WithDescription("Recomputes every event's keyed hash from its content and its predecessor's hash, and checks the chain against the latest "
                + "checkpoint. `valid` is false when an event was changed, removed or inserted, or the tail was cut; the report then names the first "
                + "broken sequence number and why.");
        group.MapGet("/checkpoints", Checkpoints)
            .WithSummary("List the audit chain's checkpoints")
            .WithDescription("The chain's head (sequence, hash, time) as written periodically to an append-only file outside the database, newest "
                + "first, each line keyed and linked to the one before it. Keep them on another system: a later truncation or rewrite of the chain "
                + "then shows against them. Paged: `offset`, and `limit` (default 50, at most 500).");
        return v1;
    }

    private static async Task<Ok<Page<AuditEventView>>> List([AsParameters] AuditFilter filter, [AsParameters] PageRequest page, AuditQuery audit, CancellationToken ct) =>
        TypedResults.Ok(await audit.List(filter, page, ct));

    private static async Task<Ok<AuditChainReport>> Verify(AuditChainVerifier verifier, CancellationToken ct) =>
        TypedResults.Ok(await verifier.Verify(ct));

    /// <summary>
    /// The chain's checkpoints, newest first, as the checkpoint file holds them (up to the first line that fails its
    /// checks, which /verify reports): for an outside system to keep, so a later truncation or rewrite shows.
    /// </summary>
    private static async Task<Ok<Page<AuditCheckpoint>>> Checkpoints([AsParameters] PageRequest page, AuditCheckpointLog log, CancellationToken ct)
    {
        var checkpoints = (await log.Read(ct)).Checkpoints;
        return TypedResults.Ok(new Page<AuditCheckpoint>([.. checkpoints.Reverse().Skip(page.Skip).Take(page.Take)], page.Skip, page.Take, checkpoints.Count));
    }
}
