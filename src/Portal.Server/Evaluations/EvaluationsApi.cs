using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Evaluations;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Auth;
using Portal.Server.Registry;

namespace Portal.Server.Evaluations;

/// <summary>
/// Evaluation jobs: a Contributor asks for a version to be measured on a dataset (202 with the evaluation and its
/// job); Viewers read the results. Follow the job through /api/v1/jobs/{jobId} or the live topic <c>job:{jobId}</c>.
/// </summary>
public static class EvaluationsApi
{
    public static RouteGroupBuilder MapEvaluationsApi(this RouteGroupBuilder v1)
    {
        var viewer = PortalRoles.AtLeast(PortalRoles.Viewer);
        var versions = v1.MapGroup("/models/{name}/versions/{number:int}/evaluations").WithTags("Evaluations");
        versions.MapPost("/", Request).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor)).ProducesProblem(400).ProducesProblem(404)
            .WithSummary("Evaluate a version on a dataset")
            .WithDescription("Queues an evaluation job measuring the version's ONNX model on `datasetId`: accuracy and the classification report "
                + "(per-class precision, recall, F1 and the confusion matrix). 202 with the evaluation and its job; 400 when the dataset's samples or "
                + "classes do not fit the model.")
            .WithRequestExample(new EvaluateRequest(Guid.Parse("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")));
        versions.MapGet("/", List).RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("List a version's evaluations")
            .WithDescription("The version's evaluations, newest first, with their state and, once done, accuracy and report. "
                + "Paged: `offset`, and `limit` (default 50, at most 500).");
        v1.MapGet("/evaluations/{id:guid}", Get).WithTags("Evaluations").RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("Get an evaluation")
            .WithDescription("The evaluation's dataset, job state and progress, and once it succeeded its accuracy and classification report.");
        return v1;
    }

    private static async Task<Accepted<EvaluationView>> Request(
        string name, int number, EvaluateRequest request, EvaluationService evaluations, ClaimsPrincipal user, CancellationToken ct)
    {
        var evaluation = await evaluations.Request(name, number, request.DatasetId, new CurrentUser(user).Name, ct);
        return TypedResults.Accepted($"/api/v1/evaluations/{evaluation.Id}", evaluation);
    }

    private static async Task<Ok<Page<EvaluationView>>> List(
        string name, int number, [AsParameters] PageRequest page, EvaluationService evaluations, CancellationToken ct) =>
        TypedResults.Ok(await evaluations.List(name, number, page, ct));

    private static async Task<Ok<EvaluationView>> Get(Guid id, EvaluationService evaluations, CancellationToken ct) =>
        TypedResults.Ok(await evaluations.Get(id, ct));
}
