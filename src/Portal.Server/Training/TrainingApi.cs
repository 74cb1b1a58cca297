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
        string? WeightsArtifact, string? OnnxArtifact, Guid? ExportJobId, int? BestEpoch, string? StopReason);

    public static RouteGroupBuilder MapTrainingApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/runs").WithTags("Training");
        group.MapPost("/", Create).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor));
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{id:guid}/metrics", Metrics).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/{id:guid}/steps", Steps).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer)).ProducesProblem(404);
        group.MapGet("/{id:guid}/artifacts/weights", Weights).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapPost("/{id:guid}/exports", Export).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor)).ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/{id:guid}/artifacts/onnx", Onnx).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer)).ProducesProblem(404);
        return v1;
    }

    public static RunView View(TrainingService.RunWithJob x)
    {
        var (r, j) = x;
        return new RunView(
            r.Id, r.Name, r.DatasetId, r.ValidationDatasetId, Json(r.SpecJson), Json(r.OptionsJson),
            j.Id, j.State, j.Progress, j.Error, j.Attempts,
            r.CreatedBy, r.CreatedAt, j.StartedAt, j.FinishedAt,
            r.WeightsArtifact, r.OnnxArtifact, r.ExportJobId, r.BestEpoch, r.StopReason);
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

    private static async Task<Results<Ok<IReadOnlyList<RunStepPoint>>, ProblemHttpResult>> Steps(Guid id, TrainingService training, CancellationToken ct) =>
        await training.Steps(id, ct) is { } steps ? TypedResults.Ok(steps) : ProblemMapping.NotFound($"No run {id}.");

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Weights(Guid id, TrainingService training, CancellationToken ct)
    {
        if (await training.Find(id, ct) is not { } found) return ProblemMapping.NotFound($"No run {id}.");
        if (await training.Weights(found.Run, ct) is not { } bytes)
            return ProblemMapping.NotFound($"Run {id} has no weights yet: its job is {found.Job.State}.");
        return TypedResults.File(bytes, TrainingJobHandler.WeightsMediaType, $"{found.Run.Name}.safetensors");
    }

    /// <summary>202 with the queued export job; the ONNX file is at artifacts/onnx once it succeeds.</summary>
    private static async Task<Results<Accepted<JobsApi.JobView>, ProblemHttpResult>> Export(Guid id, ClaimsPrincipal user, TrainingService training, CancellationToken ct)
    {
        try
        {
            return await training.RequestExport(id, Actor.Name(user), ct) is { } job
                ? TypedResults.Accepted($"/api/v1/jobs/{job.Id}", JobsApi.View(job))
                : ProblemMapping.NotFound($"No run {id}.");
        }
        catch (RunStateException e)
        {
            return ProblemMapping.Conflict(e.Message);
        }
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Onnx(Guid id, TrainingService training, CancellationToken ct)
    {
        if (await training.Find(id, ct) is not { } found) return ProblemMapping.NotFound($"No run {id}.");
        if (await training.Onnx(found.Run, ct) is not { } bytes)
            return ProblemMapping.NotFound($"Run {id} has no ONNX file: export it with POST /api/v1/runs/{id}/exports.");
        return TypedResults.File(bytes, Registry.VersionArtifacts.OnnxMediaType, $"{found.Run.Name}.onnx");
    }
}
