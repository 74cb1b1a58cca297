using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Server.Api;
using Portal.Server.Auth;

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
        group.MapGet("/checkpoints", Checkpoints);
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
