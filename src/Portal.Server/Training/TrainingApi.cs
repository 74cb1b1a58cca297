using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Engine.Training;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Auth;
using Portal.Server.Jobs;

namespace Portal.Server.Training;

/// <summary>
/// /api/v1/runs: Contributor creates runs; Viewer reads runs, curves and weights. A run is cancelled or resumed
/// through its job (/api/v1/jobs/{jobId}/cancel, /resume).
/// </summary>
public static class TrainingApi
{
    private static readonly JsonSerializerOptions s_example = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static RouteGroupBuilder MapTrainingApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/runs").WithTags("Training");
        group.MapPost("/", Create).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Start a training run")
            .WithDescription("Queues a training job for the network `spec` (a ready spec's name, e.g. fashion-mlp or fashion-cnn, or a whole spec) on the dataset "
                + "`datasetId`, validated each epoch on `validationDatasetId` if given. `options` holds the hyper-parameters; each one left out takes the "
                + "engine's default (5 epochs, batch 128, Adam at 0.001, constant rate, seed 42, per-feature standardisation). The spec, options and datasets "
                + "are checked against each other now, so a misfit is a 400 naming it rather than a failed job. `fromVersion` ({model, version, freezeBody}) "
                + "fine-tunes a registered version: the run starts from its weights and input standardisation, its spec must be the version's but for the "
                + "width of the head (the last layer with weights, a linear layer; 400 naming the layer that differs), the head starts anew when the "
                + "dataset's classes are not the version's, and `freezeBody` trains the head only. The answer is the run with its job; follow it "
                + "at GET /api/v1/jobs/{jobId} or live on the hub /hubs/live, topic `run:{id}`.")
            .WithRequestExample(new CreateRunRequest(
                "fashion-mlp-cosine", Guid.Parse("3f2b8c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b"), Guid.Parse("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"),
                JsonSerializer.SerializeToElement("fashion-mlp"),
                JsonSerializer.SerializeToElement(new RunOptions
                {
                    Epochs = 10,
                    BatchSize = 128,
                    Optimizer = OptimizerKind.AdamW,
                    LearningRate = 0.002,
                    WeightDecay = 0.01,
                    Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine, WarmupSteps = 200 },
                    EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationAccuracy, Patience: 2),
                }, s_example)))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List training runs")
            .WithDescription("Runs, newest first, each with its job's state and progress. Paged: `offset`, and `limit` (default 50, at most 500).");
        group.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a training run")
            .WithDescription("The run: its spec and the full options it trains with, its job's state and progress, the best epoch and why it stopped, "
                + "and its weights and ONNX files once they exist. Cancel or resume it through its job (/api/v1/jobs/{jobId}/cancel, /resume).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/metrics", Metrics).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("A run's figures per epoch")
            .WithDescription("One entry per finished epoch, in order: training loss and accuracy, validation loss and accuracy (with a validation set), "
                + "learning rate, seconds and samples per second.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/steps", Steps).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer)).ProducesProblem(404)
            .WithSummary("A run's loss per step")
            .WithDescription("Every optimiser step of the finished epochs, in order: step, epoch, loss and learning rate. The steps of the epoch in progress "
                + "are live on the hub /hubs/live, topic `run:{id}`.");
        group.MapGet("/{id:guid}/artifacts/weights", Weights).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .Produces<Stream>(StatusCodes.Status200OK, TrainingJobHandler.WeightsMediaType)
            .WithSummary("Download a run's weights")
            .WithDescription("The trained weights as safetensors, tensors named as in a PyTorch nn.Sequential (`0.weight`, `0.bias`, …); 404 until the run has them.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/exports", Export).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor)).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Export a run to ONNX")
            .WithDescription("Queues an export job (202 with the job); once it succeeds the ONNX file is at GET /api/v1/runs/{id}/artifacts/onnx. "
                + "409 while the run has no weights yet or an export of it is still queued or running.");
        group.MapGet("/{id:guid}/artifacts/onnx", Onnx).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer)).ProducesProblem(404)
            .Produces<Stream>(StatusCodes.Status200OK, Registry.VersionArtifacts.OnnxMediaType)
            .WithSummary("Download a run's ONNX file")
            .WithDescription("The run exported to ONNX (opset 17) by POST /api/v1/runs/{id}/exports; 404 until an export has succeeded.");
        return v1;
    }

    private static async Task<Created<RunView>> Create(CreateRunRequest request, ClaimsPrincipal user, TrainingService training, CancellationToken ct)
    {
        var created = await training.Create(request, new CurrentUser(user).Name, ct);
        return TypedResults.Created($"/api/v1/runs/{created.Run.Id}", TrainingViews.View(created));
    }

    private static async Task<Ok<Page<RunView>>> List([AsParameters] PageRequest page, TrainingService training, CancellationToken ct)
    {
        var found = await training.List(page, ct);
        return TypedResults.Ok(new Page<RunView>([.. found.Items.Select(TrainingViews.View)], found.Offset, found.Limit, found.Total));
    }

    private static async Task<Ok<RunView>> Get(Guid id, TrainingService training, CancellationToken ct) =>
        TypedResults.Ok(TrainingViews.View(await training.Get(id, ct)));

    private static async Task<Ok<RunEpochView[]>> Metrics(Guid id, TrainingService training, CancellationToken ct) =>
        TypedResults.Ok((await training.Metrics(id, ct)).Select(TrainingViews.View).ToArray());

    private static async Task<Ok<IReadOnlyList<RunStepPoint>>> Steps(Guid id, TrainingService training, CancellationToken ct) =>
        TypedResults.Ok(await training.Steps(id, ct));

    private static async Task<FileContentHttpResult> Weights(Guid id, TrainingService training, CancellationToken ct)
    {
        var (run, weights) = await training.Weights(id, ct);
        return TypedResults.File(weights, TrainingJobHandler.WeightsMediaType, $"{run.Name}.safetensors");
    }

    /// <summary>202 with the queued export job; the ONNX file is at artifacts/onnx once it succeeds.</summary>
    private static async Task<Accepted<JobView>> Export(Guid id, ClaimsPrincipal user, TrainingService training, CancellationToken ct)
    {
        var job = await training.RequestExport(id, new CurrentUser(user).Name, ct);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", JobViews.View(job));
    }

    private static async Task<FileContentHttpResult> Onnx(Guid id, TrainingService training, CancellationToken ct)
    {
        var (run, onnx) = await training.Onnx(id, ct);
        return TypedResults.File(onnx, Registry.VersionArtifacts.OnnxMediaType, $"{run.Name}.onnx");
    }
}
