using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Server.Api;
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
        rules.MapGet("/", ListRules).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        rules.MapGet("/{id:guid}", GetRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        rules.MapPost("/", CreateRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver));
        rules.MapPut("/{id:guid}", ReplaceRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver));
        rules.MapDelete("/{id:guid}", DeleteRule).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver));

        var alerts = v1.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("/", ListAlerts).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        alerts.MapGet("/{id:guid}", GetAlert).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        return v1;
    }

    private static async Task<Ok<Page<AlertRuleView>>> ListRules([AsParameters] PageRequest page, AlertRules rules, CancellationToken ct) =>
        TypedResults.Ok(await rules.List(page, ct));

    private static async Task<Results<Ok<AlertRuleView>, ProblemHttpResult>> GetRule(Guid id, AlertRules rules, CancellationToken ct) =>
        await rules.Get(id, ct) is { } rule ? TypedResults.Ok(rule) : ProblemMapping.NotFound($"No alert rule {id}.");

    private static async Task<Created<AlertRuleView>> CreateRule(AlertRuleDraft draft, AlertRules rules, ClaimsPrincipal user, CancellationToken ct)
    {
        var rule = await rules.Create(draft, Actor.Name(user), ct);
        return TypedResults.Created($"/api/v1/alert-rules/{rule.Id}", rule);
    }

    private static async Task<Results<Ok<AlertRuleView>, ProblemHttpResult>> ReplaceRule(
        Guid id, AlertRuleDraft draft, AlertRules rules, ClaimsPrincipal user, CancellationToken ct) =>
        await rules.Replace(id, draft, Actor.Name(user), ct) is { } rule ? TypedResults.Ok(rule) : ProblemMapping.NotFound($"No alert rule {id}.");

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteRule(Guid id, AlertRules rules, ClaimsPrincipal user, CancellationToken ct) =>
        await rules.Delete(id, Actor.Name(user), ct) ? TypedResults.NoContent() : ProblemMapping.NotFound($"No alert rule {id}.");

    private static async Task<Ok<Page<AlertView>>> ListAlerts(
        [AsParameters] AlertFilter filter, [AsParameters] PageRequest page, RaisedAlerts alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.List(filter.State, filter.Model, filter.Alias, page, ct));

    private static async Task<Results<Ok<AlertView>, ProblemHttpResult>> GetAlert(Guid id, RaisedAlerts alerts, CancellationToken ct) =>
        await alerts.Get(id, ct) is { } alert ? TypedResults.Ok(alert) : ProblemMapping.NotFound($"No alert {id}.");
}
