using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Alerts;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Auth;

namespace Portal.Server.Serving.Alerts;

/// <summary>
/// Alert rules (read: Viewer; create, replace, delete: Approver) and the alerts they raised (read: Viewer).
/// Changing rules is for Approvers because they are the operators who act on alerts (they decide promotions and
/// roll back): a Contributor could otherwise silence the alerts on the version they are trying to promote, and
/// keeping it to Admins would leave the people on call unable to tune a noisy threshold.
/// </summary>
public static class AlertsApi
{
    public sealed record AlertFilter(string? State, string? Model, string? Alias);

    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder v1)
    {
        var rules = v1.MapGroup("/alert-rules").WithTags("Alerts");
        rules.MapGet("/", ListRules).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List alert rules")
            .WithDescription("Every alert rule with its terms. Paged: `offset`, and `limit` (default 50, at most 500).");
        rules.MapGet("/{id:guid}", GetRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get an alert rule")
            .WithDescription("The rule's terms: metric, comparison, threshold, window, the deployments it watches, and whether it is enabled.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        rules.MapPost("/", CreateRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver))
            .WithSummary("Create an alert rule")
            .WithDescription("Watches `metric` of every served version: p50_ms, p95_ms, p99_ms, error_rate (0 to 1), requests_per_second, psi_input or "
                + "psi_class (drift). The alert fires when the metric compares with `threshold` by `comparison` (>, >=, < or <=; default >) for "
                + "`windowSeconds` on end (default 0: the first such value), and resolves when it no longer does. Without `model` the rule watches every "
                + "deployment, without `alias` every alias of the model. `enabled` defaults to true. Rules are evaluated once a second. 400 names the field at fault.")
            .WithRequestExample(new AlertRuleDraft("fashion p95 over 20 ms", AlertMetrics.P95Ms, ">", 20, 60, "fashion-mlp", "production", true))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        rules.MapPut("/{id:guid}", ReplaceRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver))
            .WithSummary("Replace an alert rule")
            .WithDescription("Replaces every term of the rule, with the same fields and defaults as POST /api/v1/alert-rules.")
            .WithRequestExample(new AlertRuleDraft("fashion errors over 1 %", AlertMetrics.ErrorRate, ">", 0.01, 30, "fashion-mlp", null, true))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        rules.MapDelete("/{id:guid}", DeleteRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver))
            .WithSummary("Delete an alert rule")
            .WithDescription("The rule stops being evaluated; the alerts it raised stay in the history.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var alerts = v1.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("/", ListAlerts).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List alerts")
            .WithDescription("Alerts raised by the rules, newest first: `state` firing (the default), resolved or all, filtered by `model` and `alias`. "
                + "Each names the rule's terms, the version, the value that fired it and, once resolved, when and why. "
                + "Paged: `offset`, and `limit` (default 50, at most 500).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        alerts.MapGet("/{id:guid}", GetAlert).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get an alert")
            .WithDescription("One firing of a rule for one served version: the terms it fired on, the value and time, and its resolution if any.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    private static async Task<Ok<Page<AlertRuleView>>> ListRules([AsParameters] PageRequest page, AlertRules rules, CancellationToken ct) =>
        TypedResults.Ok(await rules.List(page, ct));

    private static async Task<Ok<AlertRuleView>> GetRule(Guid id, AlertRules rules, CancellationToken ct) =>
        TypedResults.Ok(await rules.Get(id, ct));

    private static async Task<Created<AlertRuleView>> CreateRule(AlertRuleDraft draft, AlertRules rules, ClaimsPrincipal user, CancellationToken ct)
    {
        var rule = await rules.Create(draft, new CurrentUser(user).Name, ct);
        return TypedResults.Created($"/api/v1/alert-rules/{rule.Id}", rule);
    }

    private static async Task<Ok<AlertRuleView>> ReplaceRule(Guid id, AlertRuleDraft draft, AlertRules rules, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await rules.Replace(id, draft, new CurrentUser(user).Name, ct));

    private static async Task<NoContent> DeleteRule(Guid id, AlertRules rules, ClaimsPrincipal user, CancellationToken ct)
    {
        await rules.Delete(id, new CurrentUser(user).Name, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<AlertView>>> ListAlerts(
        [AsParameters] AlertFilter filter, [AsParameters] PageRequest page, RaisedAlerts alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.List(filter.State, filter.Model, filter.Alias, page, ct));

    private static async Task<Ok<AlertView>> GetAlert(Guid id, RaisedAlerts alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.Get(id, ct));
}
