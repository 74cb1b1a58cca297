using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Engine.Models;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Training;

namespace Portal.Server.Registry;

/// <summary>
/// A succeeded run as a version starts from it: the run, the dataset it was trained on, its kept model, the weights
/// file's bytes and, for a text run, the tokenizer's JSON from the weights' metadata.
/// </summary>
public sealed record RegistrableRun(TrainingRun Run, DatasetRecord Training, TrainedModel Model, byte[] Weights, string? Tokenizer = null);

/// <summary>Reads a run that is to become a version, refusing (and saying why) one that has not succeeded or whose kept weights are gone or damaged.</summary>
public sealed class SucceededRuns(PortalDbContext db, ArtifactStore artifacts)
{
    public async Task<RegistrableRun> Load(Guid runId, CancellationToken ct)
    {
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw Refusal.NotFound($"No training run {runId}.");
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == run.JobId, ct);
        if (job?.State != JobState.Succeeded)
            throw Refusal.Conflict($"Run '{run.Name}' ({run.Id}) has not succeeded: its job is {job?.State.ToString() ?? "missing"}. Only a succeeded run becomes a version.");
        if (run.WeightsArtifact is not { } weightsSha)
            throw Refusal.Conflict($"Run '{run.Name}' ({run.Id}) succeeded but kept no weights.");
        var training = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == run.DatasetId, ct)
            ?? throw Refusal.Conflict($"Run '{run.Name}' was trained on dataset {run.DatasetId}, which is no longer registered.");

        var bytes = await ReadWeights(run, weightsSha, ct);
        SafetensorsFile file;
        try
        {
            file = SafetensorsReader.Read(bytes);
        }
        catch (SafetensorsFormatException e)
        {
            throw Refusal.Conflict($"The weights of run '{run.Name}' ({weightsSha}) are not a valid safetensors file: {e.Message}", e);
        }
        var model = new TrainedModel(ModelSpec.FromJson(run.SpecJson), file.Weights, RunModelFiles.Standardization(run.StandardizationJson), training.ClassNames);
        return new RegistrableRun(run, training, model, bytes, file.Metadata.GetValueOrDefault(Portal.Engine.Onnx.OnnxMetadataKeys.Tokenizer));
    }

    private async Task<byte[]> ReadWeights(TrainingRun run, string sha, CancellationToken ct)
    {
        try
        {
            return await artifacts.ReadVerified(sha, ct);
        }
        catch (FileNotFoundException e)
        {
            throw Refusal.Conflict($"The weights of run '{run.Name}' ({sha}) are missing from the artifact store.", e);
        }
        catch (InvalidDataException e)
        {
            throw Refusal.Conflict($"The weights of run '{run.Name}' cannot be used: {e.Message}", e);
        }
    }
}
