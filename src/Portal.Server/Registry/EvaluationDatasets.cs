using Microsoft.EntityFrameworkCore;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Server.Datasets;
using Portal.Server.Persistence;
using Portal.Server.Training;

namespace Portal.Server.Registry;

/// <summary>The held-out data a new version is evaluated on: the dataset asked for, or the known test set of a run's training data.</summary>
public sealed class EvaluationDatasets(PortalDbContext db, DatasetLoader datasets)
{
    /// <summary>The dataset a run's evidence comes from; null for a regression run, which has no classification figures.</summary>
    public async Task<Guid?> ForRun(TrainingRun run, DatasetRecord training, Guid? requested, CancellationToken ct)
    {
        if (requested == run.DatasetId)
            throw Refusal.Invalid($"Dataset '{training.Name}' is the one run '{run.Name}' was trained on: evidence comes from held-out data, so give another evaluationDatasetId.");
        if (requested is not null) return requested;
        if (training.ClassNames.Length == 0) return null;
        foreach (var (trainName, testName) in new[] { (BuiltinDatasets.TrainName, BuiltinDatasets.TestName), (BuiltinDatasets.FortunesTrainName, BuiltinDatasets.FortunesTestName) })
        {
            if (training.Name != trainName) continue;
            return await db.Datasets.AsNoTracking().Where(d => d.Name == testName).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct)
                ?? throw Refusal.Invalid($"Run '{run.Name}' was trained on '{trainName}' but '{testName}' is not registered: give evaluationDatasetId.");
        }
        throw Refusal.Invalid(
            $"Run '{run.Name}' was trained on dataset '{training.Name}', which has no known test set: give evaluationDatasetId (held-out data of the same shape and classes).");
    }

    public async Task<Dataset> Load(Guid id, CancellationToken ct)
    {
        if (!await db.Datasets.AnyAsync(d => d.Id == id, ct)) throw Refusal.NotFound($"No dataset {id}.");
        return await datasets.Load(id, ct);
    }

    /// <summary>The dataset as a run's spec takes it: a text dataset through the run's tokenizer (its JSON), at the spec's length.</summary>
    public async Task<Dataset> Load(Guid id, ModelSpec spec, string? tokenizer, CancellationToken ct)
    {
        if (!await db.Datasets.AnyAsync(d => d.Id == id, ct)) throw Refusal.NotFound($"No dataset {id}.");
        return await datasets.LoadFor(id, spec, tokenizer is null ? null : WordTokenizer.FromJson(tokenizer), ct);
    }
}
