using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Approvals;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Portal.Server.Registry;

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
        models.MapGet("/policy", GetPolicy).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a model's promotion policy")
            .WithDescription("Which aliases are protected, how many approvals a promotion needs and from which role, the evidence gates, and how long a "
                + "request stays open. `isDefault` is true while no Admin has set one (production protected, 1 approval by an Approver, 72 hours, no gates).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPut("/policy", PutPolicy).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Admin))
            .WithSummary("Set a model's promotion policy")
            .WithDescription("Replaces the whole policy; a field left out takes its default (production protected, 1 approval, role Approver, 72-hour requests) "
                + "and a gate left out is not applied; `approverRole` is Approver or Admin. Gates are checked when a promotion is requested: `minAccuracy` and `maxAccuracyDrop` (against the "
                + "alias's current holder) are fractions, 0 to 1 (a drop of 0.02 is two percentage points); `maxP95LatencyMs` is milliseconds at batch 1.")
            .WithRequestExample(new PolicySettings(["production", "staging"], 2, PortalRoles.Approver, 0.85, 0.01, 5.0, 48))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPost("/aliases/{alias}/rollback", Rollback).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver))
            .WithSummary("Roll an alias back to its previous version")
            .WithDescription("Moves the alias back to the version it held before its last move, at once and without a promotion request; serving follows. "
                + "A comment saying why is required. A protected alias takes the policy's approver role. Rolling back twice returns to where it started.")
            .WithRequestExample(new RollbackInput("Version 4 answers 2% of requests with NaN since 09:10; back to 3 while we look."))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var promotions = v1.MapGroup("/promotions").WithTags("Approvals");
        promotions.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List promotion requests")
            .WithDescription("Promotion requests, filtered by `state` (Pending, Approved, Denied, Cancelled, Expired) and `model`, each with its gate results "
                + "and decisions. Paged: `offset`, and `limit` (default 50, at most 500).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        promotions.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a promotion request")
            .WithDescription("The request: the alias and version, who asked and why, its state and expiry, each gate's measured value against its threshold, "
                + "and every approval or denial so far.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        promotions.MapPost("/", Create).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Request a promotion")
            .WithDescription("Asks to move a protected alias of `model` to `version`. The policy's gates are checked now, on the version's measured evidence; "
                + "the request then waits for the policy's approvals (never the requester's own) and expires after the policy's lifetime. An unprotected "
                + "alias is moved directly (PUT /api/v1/models/{name}/aliases/{alias}): 400. 409 when the version already holds the alias or another "
                + "request for it is pending.")
            .WithRequestExample(new PromotionDraft("fashion-mlp", "production", 4, "Accuracy 0.893 against 0.887 on fashion-mnist-test, same latency."))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        // Contributors reach the service, which refuses them with the reason (their own request, or the policy's role).
        promotions.MapPost("/{id:guid}/approve", Approve).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Approve a promotion request")
            .WithDescription("Adds the caller's approval; the approval that reaches the policy's count moves the alias, and serving follows. The body is optional. "
                + "Takes the policy's approver role, and never the requester: both refusals are 403 with the reason. A request whose gates failed can be approved only by an Admin giving "
                + "`overrideReason`.")
            .WithRequestExample(new ApprovalInput("Checked the confusion matrix on shirts and pullovers.", null))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        promotions.MapPost("/{id:guid}/deny", Deny).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Deny a promotion request")
            .WithDescription("Closes the request as denied; a comment saying why is required. Takes the policy's approver role, and never the requester: both refusals are 403 with the reason.")
            .WithRequestExample(new DenialInput("Latency p95 doubled on the canary; fix the batch-1 path first."))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        promotions.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Cancel a promotion request")
            .WithDescription("Withdraws a pending request. Only its requester or an Admin may (403). The body is optional.")
            .WithRequestExample(new CancellationInput("Superseded by version 5."))
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return v1;
    }

    private static async Task<Ok<PolicyView>> GetPolicy(string name, PortalDbContext db, PromotionPolicies policies, CancellationToken ct)
    {
        var model = await db.RequireModel(name, ct);
        var (policy, isDefault) = await policies.Read(model.Id, ct);
        return TypedResults.Ok(ApprovalViews.View(model.Name, policy, isDefault));
    }

    private static async Task<Ok<PolicyView>> PutPolicy(
        string name, PolicySettings settings, PortalDbContext db, PromotionPolicies policies, ClaimsPrincipal user, CancellationToken ct)
    {
        var model = await db.RequireModel(name, ct);
        var policy = await policies.Replace(model.Id, model.Name, settings, new CurrentUser(user).Name, ct);
        return TypedResults.Ok(ApprovalViews.View(model.Name, policy, isDefault: false));
    }

    private static async Task<Ok<Page<PromotionView>>> List(
        [AsParameters] PromotionFilter filter, [AsParameters] PageRequest page, PromotionService promotions, CancellationToken ct) =>
        TypedResults.Ok(await promotions.List(filter.State, filter.Model, page, ct));

    private static async Task<Ok<PromotionView>> Get(Guid id, PromotionService promotions, CancellationToken ct) =>
        TypedResults.Ok(await promotions.Get(id, ct));

    private static async Task<Created<PromotionView>> Create(PromotionDraft draft, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct)
    {
        var request = await promotions.Create(draft, new CurrentUser(user), ct);
        return TypedResults.Created($"/api/v1/promotions/{request.Id}", request);
    }

    private static async Task<Ok<PromotionView>> Approve(
        Guid id, ApprovalInput? input, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await promotions.Approve(id, input ?? new ApprovalInput(null, null), new CurrentUser(user), ct));

    private static async Task<Ok<PromotionView>> Deny(
        Guid id, DenialInput input, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await promotions.Deny(id, input, new CurrentUser(user), ct));

    private static async Task<Ok<PromotionView>> Cancel(
        Guid id, CancellationInput? input, PromotionService promotions, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await promotions.Cancel(id, input ?? new CancellationInput(null), new CurrentUser(user), ct));

    private static async Task<Ok<RollbackView>> Rollback(
        string name, string alias, RollbackInput input, AliasRollback rollback, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await rollback.Rollback(name, alias, input, new CurrentUser(user), ct));
}
