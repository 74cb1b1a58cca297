using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Serving.Drift;

/// <summary>
/// Computes a version's reference on its first traffic, from its evaluation dataset: the inputs' decile bins (for a
/// text version, of each text's token length and unknown-token share, its texts read through the version's tokenizer), and
/// the classes the version itself predicts on that data (its ONNX file run by the engine's ONNX Runtime evaluator,
/// read back from the confusion matrix's columns). Kept in memory for the life of the process: a version and its
/// evaluation data never change, so the result is the same every time, and computing it once per version and
/// process costs less than a table, a migration and the staleness questions of a stored copy would.
/// </summary>
/// <remarks>An outcome without a reference (no evaluation dataset, a file that cannot run) is kept too: it would fail the same way again.</remarks>
public sealed class DriftReferences(
    IServiceScopeFactory scopes, DatasetLoader datasets, ArtifactStore artifacts, IOptions<DriftOptions> options, ILogger<DriftReferences> logger)
    : IDriftReferenceSource
{
    private readonly ConcurrentDictionary<Guid, Lazy<Task<ReferenceOutcome>>> _outcomes = new();

    public Task<ReferenceOutcome> For(Guid versionId) =>
        _outcomes.GetOrAdd(versionId, id => new Lazy<Task<ReferenceOutcome>>(() => Task.Run(() => Compute(id)))).Value;

    private async Task<ReferenceOutcome> Compute(Guid versionId)
    {
        ModelVersion? version;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            version = await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Id == versionId);
        }
        if (version is null) return ReferenceOutcome.Without(0, $"version {versionId} is not registered");
        if (version.EvaluationDatasetId is not { } datasetId)
            return ReferenceOutcome.Without(version.Number, $"version {version.Number} has no evaluation dataset to take a reference distribution from");
        try
        {
            var onnx = await artifacts.ReadVerified(version.OnnxArtifact, CancellationToken.None);
            using var model = InferenceModel.Load(onnx, name: $"version {version.Number} ({version.Id})");
            // A text version reads its evaluation texts through its own tokenizer, as it reads live texts.
            var data = Subsample(model.Text is { } text && await datasets.TryLoadText(datasetId, CancellationToken.None) is { } texts
                ? TextEncoding.TokenIds(texts.Texts, text.Tokenizer, text.MaximumLength)
                : await datasets.Load(datasetId, CancellationToken.None), options.Value.MaxReferenceSamples);
            if (OnnxEvaluator.Misfit(model, data) is { } misfit)
                return ReferenceOutcome.Without(version.Number, $"version {version.Number} cannot run on its evaluation dataset: {misfit}");
            var report = OnnxEvaluator.Evaluate(model, data, CancellationToken.None);
            var predicted = new long[data.ClassNames.Count];
            foreach (var actualRow in report.ConfusionMatrix)
            {
                for (var p = 0; p < predicted.Length; p++) predicted[p] += actualRow[p];
            }
            var reference = model.Text is not null
                ? DriftReference.ForText(data.Features, data.FeatureCount, predicted, data.Name)
                : DriftReference.Build(data.Features, data.FeatureCount, predicted, data.Name);
            logger.LogInformation("Drift reference of version {Version} ({VersionId}): {Samples} samples of '{Dataset}', {Bins} input bins.",
                version.Number, version.Id, reference.Samples, data.Name, reference.Bins.TotalBins);
            return ReferenceOutcome.Ready(version.Number, reference);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "No drift reference for version {Version} ({VersionId}).", version.Number, version.Id);
            return ReferenceOutcome.Without(version.Number, $"the reference of version {version.Number} could not be computed: {e.Message}");
        }
    }

    private static Dataset Subsample(Dataset data, int max)
    {
        if (data.Count <= max) return data;
        var indices = new int[max];
        for (var i = 0; i < max; i++) indices[i] = (int)((long)i * data.Count / max);
        return data.Select(indices);
    }
}
