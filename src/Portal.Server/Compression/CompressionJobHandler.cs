using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Compression;
using Portal.Engine.Compression;
using Portal.Engine.Evaluation;
using Portal.Engine.Onnx;
using Portal.Engine.Training;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Compression;

/// <summary>
/// Runs a compression job with the engine's <see cref="Compressor"/>: stages and fine-tuning steps are published on
/// <c>compression:{id}</c>, and the result becomes a new version of the model (lineage: the parent and the recipe;
/// evidence: measured like every version, plus the engine's side-by-side report, timed by the same
/// <see cref="ModelMeter"/>). Nothing is stored before the compressed model exists, so a cancelled or interrupted
/// job leaves no artifact; a resumed one starts over.
/// </summary>
public sealed class CompressionJobHandler(IServiceScopeFactory scopes, DatasetLoader datasets, ArtifactStore artifacts, LiveBus bus, ModelMeter meter) : IJobHandler
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public string Kind => JobKinds.Compression;

    public string? Topic(JobRecord job) => CompressionService.Topic(JobQueue.ReadPayload<CompressionPayload>(job.Payload).CompressionId);

    public async Task Run(JobExecution job, CancellationToken ct)
    {
        var id = job.ReadPayload<CompressionPayload>().CompressionId;
        CompressionRequest request;
        CompressionRecord record;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            record = await db.Set<CompressionRecord>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct)
                ?? throw new InvalidOperationException($"Compression job {job.JobId} names compression {id}, which does not exist.");
            var parent = await db.ModelVersions.AsNoTracking().FirstAsync(v => v.Id == record.ParentVersionId, ct);
            var model = await db.Models.AsNoTracking().FirstAsync(m => m.Id == record.ModelId, ct);
            var recipe = JsonSerializer.Deserialize<CompressionRecipe>(record.RecipeJson, CompressionService.RecipeJson)
                ?? throw new InvalidDataException($"Compression {id} has no recipe.");
            var parentModel = await VersionModel.Load(db, artifacts, parent, model.Name, CompressionService.Act, ct);
            // A text parent reads both datasets through its own tokenizer, and its child carries it.
            var tokenizer = await VersionModel.Tokenizer(artifacts, parent, ct);
            request = new CompressionRequest(parentModel, recipe,
                await datasets.LoadFor(record.TrainDatasetId, parentModel.Spec, tokenizer, ct), await datasets.LoadFor(record.TestDatasetId, parentModel.Spec, tokenizer, ct))
            { Meter = meter, Tokenizer = tokenizer?.ToJson() };
        }

        var topic = CompressionService.Topic(id);
        CompressionResult? result = null;
        await foreach (var e in new Compressor().Compress(request, ct))
        {
            switch (e)
            {
                case CompressionStageStarted stage:
                    bus.Publish(topic, "stage", new CompressionStageEvent(id, stage.Stage, stage.Detail));
                    break;
                case CompressionTrainingProgress { Training: StepCompleted s }:
                    bus.Publish(topic, "step", new CompressionStepEvent(id, s.Epoch, s.Step, s.TotalSteps, s.Loss, s.LearningRate, s.SamplesPerSecond));
                    // The report's measurements and the registration take the last tenth.
                    await job.ReportProgress(0.9 * s.Step / s.TotalSteps);
                    break;
                case CompressionCompleted done:
                    result = done.Result;
                    break;
            }
        }
        if (result is null) throw new InvalidOperationException($"Compression {id} ended without a result.");
        await job.ReportProgress(0.95);
        await Register(record, result, request.Tokenizer, job.CreatedBy);
    }

    /// <summary>Not cancellable: the compressed model exists, and stopping between its files and its version would orphan them.</summary>
    private async Task Register(CompressionRecord record, CompressionResult result, string? tokenizer, string actor)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tracked = await db.Set<CompressionRecord>().FirstAsync(c => c.Id == record.Id, CancellationToken.None);
        var versionId = Guid.NewGuid();
        tracked.ResultVersionId = versionId;
        var quantized = result.Recipe is QuantizationRecipe;
        byte[]? weights = null;
        if (!quantized)
        {
            var metadata = new Dictionary<string, string>
            {
                [OnnxMetadataKeys.Spec] = result.Model.Spec.ToJson(),
                [OnnxMetadataKeys.ClassLabels] = JsonSerializer.Serialize(result.Model.ClassNames, s_json),
            };
            if (result.Model.Standardization is { } s) metadata[OnnxMetadataKeys.Standardization] = JsonSerializer.Serialize(s, s_json);
            if (tokenizer is not null) metadata[OnnxMetadataKeys.Tokenizer] = tokenizer;
            weights = SafetensorsWriter.ToBytes(result.Model.Weights, metadata);
        }
        // The record's result and the version are one save (VersionRegistration saves this scope's context).
        await scope.ServiceProvider.GetRequiredService<VersionRegistration>().FromCompression(new DerivedVersion(
            versionId, record.ModelId, record.ParentVersionId, record.TestDatasetId,
            quantized ? null : result.Model.Spec, [.. result.Model.ClassNames], result.Onnx, weights,
            record.RecipeJson, JsonSerializer.Serialize(result.Report, s_json), record.Id)
        { Evaluation = (result.Model.Spec, tokenizer) }, actor, CancellationToken.None);
    }
}
