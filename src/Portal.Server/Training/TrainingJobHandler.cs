using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Training;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Training;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Datasets;
using Portal.Server.Hosting;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Training;

/// <summary>
/// Runs a training job: the engine's trainer over the run's datasets, with an epoch checkpoint under
/// <c>&lt;data&gt;/checkpoints/&lt;runId&gt;</c> (continued from when the job is resumed). Each step is published on
/// <c>run:{id}</c>, each epoch stored as it completes, and at the end the kept weights go to the artifact store
/// as safetensors with the spec, run id, class names, standardisation and (for a text run) tokenizer in the file's metadata.
/// </summary>
public sealed class TrainingJobHandler(
    IServiceScopeFactory scopes, DatasetLoader datasets, ArtifactStore artifacts, LiveBus bus, IOptions<PortalOptions> options)
    : IJobHandler
{
    public const string WeightsMediaType = "application/x-safetensors";
    public const string RunIdMetadataKey = "portal.run_id";

    // The engine's checkpoint pointer: present once an epoch's checkpoint is complete.
    private const string CheckpointPointer = "checkpoint.json";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public string Kind => JobKinds.Training;

    public static string RunTopic(Guid runId) => $"run:{runId}";

    public string? Topic(JobRecord job) => RunTopic(JobQueue.ReadPayload<TrainingPayload>(job.Payload).RunId);

    public string CheckpointDirectory(Guid runId) =>
        Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "checkpoints", runId.ToString());

    public void Release(JobRecord job) => DeleteCheckpoint(JobQueue.ReadPayload<TrainingPayload>(job.Payload).RunId);

    public async Task Run(JobExecution job, CancellationToken ct)
    {
        var runId = job.ReadPayload<TrainingPayload>().RunId;
        TrainingRun run;
        await using (var scope = scopes.CreateAsyncScope())
        {
            run = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct)
                ?? throw new InvalidOperationException($"Training job {job.JobId} names run {runId}, which does not exist.");
        }
        if (run.WeightsArtifact is not null)
        {
            // The run finished before the process stopped; only the job's own success went unrecorded.
            DeleteCheckpoint(runId);
            return;
        }
        var spec = ModelSpec.FromJson(run.SpecJson);
        var checkpoints = CheckpointDirectory(runId);
        var resume = job.Resuming && File.Exists(Path.Combine(checkpoints, CheckpointPointer));
        if (!resume) DeleteCheckpoint(runId);
        var stored = JsonSerializer.Deserialize<TrainingOptions>(run.OptionsJson, s_json)
            ?? throw new InvalidDataException($"Run {runId} has no training options.");
        var trainingOptions = stored with { CheckpointDirectory = checkpoints };
        // A text run reads both sets through the training set's tokenizer, which travels on with the weights.
        var tokenizer = (await datasets.TryLoadText(run.DatasetId, ct))?.Tokenizer;
        var train = await datasets.LoadFor(run.DatasetId, spec, tokenizer, ct);
        var validation = run.ValidationDatasetId is { } v ? await datasets.LoadFor(v, spec, tokenizer, ct) : null;
        var request = new TrainingRequest(spec, train, validation, trainingOptions) { ResumeFrom = resume ? checkpoints : null };

        var topic = RunTopic(runId);
        TrainingResult? result = null;
        // The current epoch's steps, stored with the epoch; those of an epoch cut short are repeated when it resumes.
        var steps = new List<RunStepPoint>();
        await foreach (var e in new Trainer().Train(request, ct))
        {
            switch (e)
            {
                case StepCompleted s:
                    steps.Add(new RunStepPoint(s.Step, s.Epoch, s.Loss, s.LearningRate));
                    bus.Publish(topic, "step", new RunStepEvent(runId, s.Epoch, s.Step, s.TotalSteps, s.Loss, s.LearningRate, s.SamplesPerSecond, s.CompletedAt));
                    // 1 is the runner's to record, with success.
                    await job.ReportProgress(0.99 * s.Step / s.TotalSteps);
                    break;
                case EpochCompleted epoch:
                    // Not cancellable: the epoch is already checkpointed, and after a cancel the trainer's stream still
                    // hands over the epochs it finished; storing them keeps the stored curve level with the checkpoint.
                    bus.Publish(topic, "epoch", TrainingViews.View(await StoreEpoch(runId, epoch.Metrics, steps)));
                    steps.Clear();
                    break;
                case TrainingCompleted done:
                    result = done.Result;
                    break;
            }
        }
        if (result is null) throw new InvalidOperationException($"Training run {runId} ended without a result.");
        await Complete(run, spec, result, tokenizer);
        DeleteCheckpoint(runId);
    }

    private void DeleteCheckpoint(Guid runId)
    {
        var directory = CheckpointDirectory(runId);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private async Task<RunEpochMetric> StoreEpoch(Guid runId, EpochMetrics metrics, IReadOnlyList<RunStepPoint> steps)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var row = await Upsert(db, runId, metrics, CancellationToken.None);
        var packed = RunEpochSteps.Pack(runId, metrics.Epoch, steps);
        if (await db.RunEpochSteps.FindAsync([runId, metrics.Epoch], CancellationToken.None) is { } existing) existing.Points = packed.Points;
        else db.RunEpochSteps.Add(packed);
        await db.SaveChangesAsync(CancellationToken.None);
        return row;
    }

    /// <summary>
    /// A resumed run repeats no epoch, but an epoch checkpointed just before a crash may not have been stored;
    /// writing over an existing row is harmless because a resumed run reproduces the same figures.
    /// </summary>
    private static async Task<RunEpochMetric> Upsert(PortalDbContext db, Guid runId, EpochMetrics m, CancellationToken ct)
    {
        var row = await db.RunEpochMetrics.FindAsync([runId, m.Epoch], ct);
        if (row is null)
        {
            row = new RunEpochMetric { RunId = runId, Epoch = m.Epoch };
            db.RunEpochMetrics.Add(row);
        }
        row.TrainLoss = m.TrainLoss;
        row.TrainAccuracy = m.TrainAccuracy;
        row.ValidationLoss = m.ValidationLoss;
        row.ValidationAccuracy = m.ValidationAccuracy;
        row.LearningRate = m.LearningRate;
        row.Seconds = m.Seconds;
        row.SamplesPerSecond = m.SamplesPerSecond;
        return row;
    }

    /// <summary>
    /// Stores the kept weights and records the outcome in one save. Not cancellable: the run is done, and stopping
    /// between the file and the record would leave a file nothing references.
    /// </summary>
    private async Task Complete(TrainingRun run, ModelSpec spec, TrainingResult result, WordTokenizer? tokenizer)
    {
        var model = result.Model;
        var metadata = new Dictionary<string, string>
        {
            [OnnxMetadataKeys.Spec] = spec.ToJson(),
            [OnnxMetadataKeys.ClassLabels] = JsonSerializer.Serialize(model.ClassNames, s_json),
            [RunIdMetadataKey] = run.Id.ToString(),
        };
        var standardization = model.Standardization is { } s ? JsonSerializer.Serialize(s, s_json) : null;
        if (standardization is not null) metadata[OnnxMetadataKeys.Standardization] = standardization;
        if (tokenizer is not null) metadata[OnnxMetadataKeys.Tokenizer] = tokenizer.ToJson();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        await artifacts.Keep(db, files => files.Write(SafetensorsWriter.ToBytes(model.Weights, metadata), WeightsMediaType, CancellationToken.None), async stored =>
        {
            var tracked = await db.Runs.FirstAsync(r => r.Id == run.Id, CancellationToken.None);
            tracked.WeightsArtifact = stored.Sha256;
            tracked.StandardizationJson = standardization;
            tracked.BestEpoch = result.BestEpoch;
            tracked.StopReason = result.StopReason.ToString();
            foreach (var epoch in result.History)
            {
                if (!await db.RunEpochMetrics.AnyAsync(m => m.RunId == run.Id && m.Epoch == epoch.Epoch, CancellationToken.None))
                    await Upsert(db, run.Id, epoch, CancellationToken.None);
            }
            audit.Append("system", "run.complete", "run", run.Id.ToString(), new
            {
                weights = stored.Sha256,
                result.BestEpoch,
                stopReason = result.StopReason.ToString(),
                epochs = result.History.Count,
                finalTrainLoss = result.History.Count > 0 ? result.History[^1].TrainLoss : (double?)null,
                finalValidationAccuracy = result.History.Count > 0 ? result.History[^1].ValidationAccuracy : null,
            });
            await db.SaveChangesAsync(CancellationToken.None);
            return stored;
        }, CancellationToken.None);
    }
}
