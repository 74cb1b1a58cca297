using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Jobs;

namespace Portal.Server.Training;

/// <summary>
/// /api/v1/runs: Contributor creates runs; Viewer reads runs, curves and weights. A run is cancelled or resumed
/// through its job (/api/v1/jobs/{jobId}/cancel, /resume).
/// </summary>
public static class TrainingApi
{
    public sealed record RunView(
        Guid Id, string Name, Guid DatasetId, Guid? ValidationDatasetId, JsonElement Spec, JsonElement Options,
        Guid JobId, JobState State, double Progress, string? Error, int Attempts,
        string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
        string? WeightsArtifact, int? BestEpoch, string? StopReason);

    public static RouteGroupBuilder MapTrainingApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/runs").WithTags("Training");
        group.MapPost("/", Create).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor));
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{id:guid}/metrics", Metrics).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{id:guid}/artifacts/weights", Weights).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        return v1;
    }

    public static RunView View(TrainingService.RunWithJob x)
    {
        var (r, j) = x;
        return new RunView(
            r.Id, r.Name, r.DatasetId, r.ValidationDatasetId, Json(r.SpecJson), Json(r.OptionsJson),
            j.Id, j.State, j.Progress, j.Error, j.Attempts,
            r.CreatedBy, r.CreatedAt, j.StartedAt, j.FinishedAt,
            r.WeightsArtifact, r.BestEpoch, r.StopReason);
    }

    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    private static async Task<Created<RunView>> Create(TrainingService.CreateRunRequest request, ClaimsPrincipal user, TrainingService training, CancellationToken ct)
    {
        var created = await training.Create(request, Actor.Name(user), ct);
        return TypedResults.Created($"/api/v1/runs/{created.Run.Id}", View(created));
    }

    private static async Task<Ok<Page<RunView>>> List([AsParameters] PageRequest page, TrainingService training, CancellationToken ct)
    {
        var found = await training.List(page, ct);
        return TypedResults.Ok(new Page<RunView>([.. found.Items.Select(View)], found.Offset, found.Limit, found.Total));
    }

    private static async Task<Results<Ok<RunView>, ProblemHttpResult>> Get(Guid id, TrainingService training, CancellationToken ct) =>
        await training.Find(id, ct) is { } run ? TypedResults.Ok(View(run)) : ProblemMapping.NotFound($"No run {id}.");

    private static async Task<Results<Ok<RunEpochView[]>, ProblemHttpResult>> Metrics(Guid id, TrainingService training, CancellationToken ct) =>
        await training.Metrics(id, ct) is { } metrics ? TypedResults.Ok(metrics.Select(RunEpochView.Of).ToArray()) : ProblemMapping.NotFound($"No run {id}.");

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Weights(Guid id, TrainingService training, CancellationToken ct)
    {
        if (await training.Find(id, ct) is not { } found) return ProblemMapping.NotFound($"No run {id}.");
        if (await training.Weights(found.Run, ct) is not { } bytes)
            return ProblemMapping.NotFound($"Run {id} has no weights yet: its job is {found.Job.State}.");
        return TypedResults.File(bytes, TrainingJobHandler.WeightsMediaType, $"{found.Run.Name}.safetensors");
    }
}
