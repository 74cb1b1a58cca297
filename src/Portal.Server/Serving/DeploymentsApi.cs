using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Serving;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Auth;

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
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List deployments")
            .WithDescription("Every alias of every model is served at /v2/models/{model}/infer?alias={alias}: its served version, canary, batching settings, "
                + "state and live figures. Paged: `offset`, and `limit` (default 50, at most 500).");
        group.MapGet("/{model}/{alias}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a deployment")
            .WithDescription("The alias's deployment: the served version and its tensors, the canary, batching settings, whether it is ready or why not, "
                + "and the live window of requests per second, latency percentiles and errors per version.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{model}/{alias}/batching", PutBatching).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Admin))
            .WithSummary("Set a deployment's dynamic batching")
            .WithDescription("Requests arriving together are run as one batch of up to `maxBatchSize` rows (1 turns batching off; at most 4096), waiting at "
                + "most `maxQueueDelayMicroseconds` (0 to 1 000 000) for more; past `maxQueueSize` queued requests (1 to 1 000 000) new ones are refused with 503. "
                + "A value left out takes the server's configured default (Portal:Serving). Takes effect at once. By default only a version that passed "
                + "the batch independence check (or that Portal trained from a per-sample spec) is batched; setting `maxBatchSize` above 1 here forces "
                + "batching on for any version, and the deployment's `batching` says it was forced against the check.")
            .WithRequestExample(new BatchingInput(32, 200, 1024))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{model}/{alias}/canary", PutCanary).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver))
            .WithSummary("Send part of an alias's traffic to a canary")
            .WithDescription("Sends `percent` (more than 0, less than 100) of the alias's requests to `version`, the rest to the alias's holder; each "
                + "answer's model_version says which served it. Replaces any canary the alias had. 409 when the version already holds the alias.")
            .WithRequestExample(new CanaryInput(5, 10))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{model}/{alias}/canary", DeleteCanary).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Approver))
            .WithSummary("Remove a deployment's canary")
            .WithDescription("Every request of the alias goes to its holder again; 404 when the alias has no canary.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    private static Ok<Page<DeploymentView>> List([AsParameters] PageRequest page, DeploymentService service) => TypedResults.Ok(service.List(page));

    private static Ok<DeploymentView> Get(string model, string alias, DeploymentService service) => TypedResults.Ok(service.Get(model, alias));

    private static async Task<Ok<DeploymentView>> PutBatching(
        string model, string alias, BatchingInput input, DeploymentService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.SetBatching(model, alias, input, new CurrentUser(user).Name, ct));

    private static async Task<Ok<DeploymentView>> PutCanary(
        string model, string alias, CanaryInput input, DeploymentService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.SetCanary(model, alias, input, new CurrentUser(user).Name, ct));

    private static async Task<Ok<DeploymentView>> DeleteCanary(
        string model, string alias, DeploymentService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.RemoveCanary(model, alias, new CurrentUser(user).Name, ct));
}
