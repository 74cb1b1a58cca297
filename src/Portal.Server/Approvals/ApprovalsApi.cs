using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Persistence;

namespace Portal.Server.Approvals;

/// <summary>
/// Promotion policies (GET: Viewer, PUT: Admin), promotion requests (read: Viewer, create: Contributor, cancel:
/// the requester or an Admin, approve/deny: Approver or the policy's higher role, never the requester, refused with
/// the reason by <see cref="PromotionService"/>) and alias rollback (Approver).
/// </summary>
public static class ApprovalsApi
{
    public sealed record PromotionFilter(string? State, string? Model);

    public static RouteGroupBuilder MapApprovalsApi(this RouteGroupBuilder v1)
    {
        var models = v1.MapGroup("/models/{name}").WithTags("Approvals");
        models.MapGet("/policy", GetPolicy).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        models.MapPut("/policy", PutPolicy).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Admin));
        models.MapPost("/aliases/{alias}/rollback", Rollback).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver));

        var promotions = v1.MapGroup("/promotions").WithTags("Approvals");
        promotions.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        promotions.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        promotions.MapPost("/", Create).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor));
        // Contributors reach the service, which refuses them with the reason (their own request, or the policy's role).
        promotions.MapPost("/{id:guid}/approve", Approve).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor));
        promotions.MapPost("/{id:guid}/deny", Deny).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor));
        promotions.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor));
        return v1;
    }

    private static async Task<Results<Ok<PolicyView>, ProblemHttpResult>> GetPolicy(string name, PortalDbContext db, PromotionPolicies policies, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, ct);
        if (model is null) return ProblemMapping.NotFound($"No model '{name}'.");
        var (policy, isDefault) = await policies.Read(model.Id, ct);
        return TypedResults.Ok(PromotionPolicies.View(model.Name, policy, isDefault));
    }

    private static async Task<Results<Ok<PolicyView>, ProblemHttpResult>> PutPolicy(
        string name, PolicySettings settings, PortalDbContext db, PromotionPolicies policies, ClaimsPrincipal user, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, ct);
        if (model is null) return ProblemMapping.NotFound($"No model '{name}'.");
        var policy = await policies.Replace(model.Id, model.Name, settings, Actor.Name(user), ct);
        return TypedResults.Ok(PromotionPolicies.View(model.Name, policy, isDefault: false));
    }

    private static async Task<Results<Ok<Page<PromotionView>>, ProblemHttpResult>> List(
        [AsParameters] PromotionFilter filter, [AsParameters] PageRequest page, PromotionService promotions, CancellationToken ct) =>
        Respond(await promotions.List(filter.State, filter.Model, page, ct));

    private static async Task<Results<Ok<PromotionView>, ProblemHttpResult>> Get(Guid id, PromotionService promotions, CancellationToken ct) =>
        Respond(await promotions.Get(id, ct));

    private static async Task<Results<Created<PromotionView>, ProblemHttpResult>> Create(
        PromotionDraft draft, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await promotions.Create(draft, Caller.From(user), ct);
        return outcome.Refusal is { } refusal ? Problem(refusal) : TypedResults.Created($"/api/v1/promotions/{outcome.Value!.Id}", outcome.Value);
    }

    private static async Task<Results<Ok<PromotionView>, ProblemHttpResult>> Approve(
        Guid id, ApprovalInput? input, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await promotions.Approve(id, input ?? new ApprovalInput(null, null), Caller.From(user), ct));

    private static async Task<Results<Ok<PromotionView>, ProblemHttpResult>> Deny(
        Guid id, DenialInput input, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await promotions.Deny(id, input, Caller.From(user), ct));

    private static async Task<Results<Ok<PromotionView>, ProblemHttpResult>> Cancel(
        Guid id, CancellationInput? input, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await promotions.Cancel(id, input ?? new CancellationInput(null), Caller.From(user), ct));

    private static async Task<Results<Ok<RollbackView>, ProblemHttpResult>> Rollback(
        string name, string alias, RollbackInput input, AliasRollback rollback, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await rollback.Rollback(name, alias, input, Caller.From(user), ct));

    private static Results<Ok<T>, ProblemHttpResult> Respond<T>(Outcome<T> outcome)
        where T : class =>
        outcome.Refusal is { } refusal ? Problem(refusal) : TypedResults.Ok(outcome.Value!);

    private static ProblemHttpResult Problem(Refusal refusal) => refusal.Kind switch
    {
        RefusalKind.Invalid => ProblemMapping.BadRequest(refusal.Detail),
        RefusalKind.NotFound => ProblemMapping.NotFound(refusal.Detail),
        RefusalKind.Forbidden => ProblemMapping.Forbidden(refusal.Detail),
        _ => ProblemMapping.Conflict(refusal.Detail),
    };
}
