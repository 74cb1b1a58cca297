using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Registry;

namespace Portal.Server.Evaluations;

/// <summary>
/// Evaluation jobs: a Contributor asks for a version to be measured on a dataset (202 with the evaluation and its
/// job); Viewers read the results. Follow the job through /api/v1/jobs/{jobId} or the live topic <c>job:{jobId}</c>.
/// </summary>
public static class EvaluationsApi
{
    public sealed record EvaluateRequest(Guid DatasetId);

    public static RouteGroupBuilder MapEvaluationsApi(this RouteGroupBuilder v1)
    {
        var viewer = PortalRoles.AtLeast(PortalRoles.Viewer);
        var versions = v1.MapGroup("/models/{name}/versions/{number:int}/evaluations").WithTags("Evaluations");
        versions.MapPost("/", Request).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor)).ProducesProblem(400).ProducesProblem(404);
        versions.MapGet("/", List).RequireAuthorization(viewer).ProducesProblem(404);
        v1.MapGet("/evaluations/{id:guid}", Get).WithTags("Evaluations").RequireAuthorization(viewer).ProducesProblem(404);
        return v1;
    }

    private static Task<Results<Accepted<EvaluationService.EvaluationView>, ProblemHttpResult>> Request(
        string name, int number, EvaluateRequest request, EvaluationService evaluations, ClaimsPrincipal user, CancellationToken ct) =>
        ModelsApi.Answer(async () =>
        {
            var evaluation = await evaluations.Request(name, number, request.DatasetId, Actor.Name(user), ct);
            return TypedResults.Accepted($"/api/v1/evaluations/{evaluation.Id}", evaluation);
        });

    private static Task<Results<Ok<Page<EvaluationService.EvaluationView>>, ProblemHttpResult>> List(
        string name, int number, [AsParameters] PageRequest page, EvaluationService evaluations, CancellationToken ct) =>
        ModelsApi.Answer(async () => TypedResults.Ok(await evaluations.List(name, number, page, ct)));

    private static Task<Results<Ok<EvaluationService.EvaluationView>, ProblemHttpResult>> Get(Guid id, EvaluationService evaluations, CancellationToken ct) =>
        ModelsApi.Answer(async () => TypedResults.Ok(await evaluations.Get(id, ct)));
}
