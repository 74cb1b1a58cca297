using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Registry;

namespace Portal.Server.Serving;

/// <summary>
/// Deployments: list and detail with the live window (Viewer), batching settings (Admin: they trade every caller's
/// latency against throughput), canary (Approver: a canary sends real traffic of the alias to a version no one
/// approved for it, so it takes the role that decides promotions).
/// </summary>
public static class DeploymentsApi
{
    public static RouteGroupBuilder MapDeploymentsApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/deployments").WithTags("Serving");
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{model}/{alias}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapPut("/{model}/{alias}/batching", PutBatching).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Admin));
        group.MapPut("/{model}/{alias}/canary", PutCanary).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver));
        group.MapDelete("/{model}/{alias}/canary", DeleteCanary).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver));
        return v1;
    }

    private static Ok<Page<DeploymentView>> List([AsParameters] PageRequest page, DeploymentService service) => TypedResults.Ok(service.List(page));

    private static Results<Ok<DeploymentView>, ProblemHttpResult> Get(string model, string alias, DeploymentService service) =>
        Respond(() => service.Get(model, alias));

    private static async Task<Results<Ok<DeploymentView>, ProblemHttpResult>> PutBatching(
        string model, string alias, BatchingInput input, DeploymentService service, ClaimsPrincipal user, CancellationToken ct) =>
        await Respond(() => service.SetBatching(model, alias, input, Actor.Name(user), ct));

    private static async Task<Results<Ok<DeploymentView>, ProblemHttpResult>> PutCanary(
        string model, string alias, CanaryInput input, DeploymentService service, ClaimsPrincipal user, CancellationToken ct) =>
        await Respond(() => service.SetCanary(model, alias, input, Actor.Name(user), ct));

    private static async Task<Results<Ok<DeploymentView>, ProblemHttpResult>> DeleteCanary(
        string model, string alias, DeploymentService service, ClaimsPrincipal user, CancellationToken ct) =>
        await Respond(() => service.RemoveCanary(model, alias, Actor.Name(user), ct));

    private static Results<Ok<DeploymentView>, ProblemHttpResult> Respond(Func<DeploymentView> action)
    {
        try
        {
            return TypedResults.Ok(action());
        }
        catch (RegistryException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<DeploymentView>, ProblemHttpResult>> Respond(Func<Task<DeploymentView>> action)
    {
        try
        {
            return TypedResults.Ok(await action());
        }
        catch (RegistryException e)
        {
            return Problem(e);
        }
    }

    private static ProblemHttpResult Problem(RegistryException e) => e.Kind switch
    {
        RegistryErrorKind.NotFound => ProblemMapping.NotFound(e.Message),
        RegistryErrorKind.Conflict => ProblemMapping.Conflict(e.Message),
        _ => ProblemMapping.BadRequest(e.Message),
    };
}
