using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Onnx;
using Portal.Server.Persistence;
using Portal.Server.Training;

namespace Portal.Server.Registry;

/// <summary>
/// Makes new versions from their three sources: a succeeded training run (exported to ONNX with the standardisation
/// folded in), an external ONNX file, or a compressed model derived from a parent version. The evidence is measured
/// (<see cref="EvidenceMeasurement"/>), never entered, and the version recorded by <see cref="VersionRecorder"/>.
/// </summary>
public sealed class VersionRegistration(
    PortalDbContext db, SucceededRuns runs, EvaluationDatasets evaluationDatasets, EvidenceMeasurement evidence, VersionRecorder recorder)
{
    public async Task<VersionView> FromRun(string modelName, Guid runId, Guid? evaluationDatasetId, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var (run, training, trained, weights, tokenizer) = await runs.Load(runId, ct);
        var evaluationId = await evaluationDatasets.ForRun(run, training, evaluationDatasetId, ct);
        var data = evaluationId is { } id ? await evaluationDatasets.Load(id, trained.Spec, tokenizer, ct) : null;
        ClassificationReport? report = null;
        if (data is not null)
        {
            if (ClassOrder.Mismatch(trained.ClassNames, $"Run '{run.Name}' (trained on dataset '{training.Name}')", data) is { } misfit)
                throw Refusal.Invalid($"Cannot evaluate on dataset '{data.Name}': {misfit}.");
            report = await EvidenceMeasurement.Evaluate(trained, data, ct);
        }

        var versionId = Guid.NewGuid();
        var onnx = RunModelFiles.Onnx(trained.Spec, trained.Weights, trained.Standardization, trained.ClassNames, versionId, tokenizer);
        ModelTiming timing;
        using (var loaded = evidence.Load(onnx, $"{model.Name} (run {run.Name})"))
            timing = await evidence.Time(loaded, data, ct);

        return await recorder.Record(model, onnx, weights, (onnxSha, weightsSha) => new ModelVersion
        {
            Id = versionId,
            ModelId = model.Id,
            Source = VersionSource.Run,
            RunId = run.Id,
            SpecJson = trained.Spec.ToJson(),
            ClassNames = [.. trained.ClassNames],
            WeightsArtifact = weightsSha,
            OnnxArtifact = onnxSha,
            CreatedBy = actor,
        }, new VersionEvidence(report, evaluationId, timing), new { runId = run.Id, run = run.Name }, actor, ct);
    }

    /// <summary>
    /// An external ONNX file as a new version: refused with the engine's message when it is not ONNX or the runtime
    /// cannot load it; evaluated only when <paramref name="evaluationDatasetId"/> is given (and then its input and
    /// output must fit that dataset); latency always measured.
    /// </summary>
    public async Task<VersionView> Import(string modelName, byte[] onnx, string fileName, Guid? evaluationDatasetId, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var data = evaluationDatasetId is { } id ? await evaluationDatasets.Load(id, ct) : null;
        ClassificationReport? report = null;
        IReadOnlyList<string>? labels;
        ModelTiming timing;
        try
        {
            using var loaded = evidence.Load(onnx, fileName);
            labels = loaded.Info.ClassLabels;
            if (data is not null)
            {
                if (OnnxEvaluator.Misfit(loaded, data) is { } reason)
                    throw Refusal.Invalid($"Cannot evaluate the imported file on dataset '{data.Name}': {reason}. Import it without evaluationDatasetId to register it without accuracy.");
                report = await EvidenceMeasurement.Evaluate(loaded, data, ct);
            }
            timing = await evidence.Time(loaded, data, ct);
        }
        catch (Exception e) when (e is OnnxFormatException or ArgumentException)
        {
            throw Refusal.Invalid(e.Message, e);
        }

        return await recorder.Record(model, onnx, null, (onnxSha, _) => new ModelVersion
        {
            ModelId = model.Id,
            Source = VersionSource.Import,
            ClassNames = [.. labels ?? data?.ClassNames ?? []],
            OnnxArtifact = onnxSha,
            CreatedBy = actor,
        }, new VersionEvidence(report, evaluationDatasetId, timing), new { fileName, size = onnx.Length }, actor, ct);
    }

    /// <summary>
    /// A compressed model as a new version derived from its parent: evaluated on <see cref="DerivedVersion.EvaluationDatasetId"/>
    /// and timed like every other version (so gates compare like with like), with the compression report beside.
    /// </summary>
    public async Task<VersionView> FromCompression(DerivedVersion derived, string actor, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().FirstAsync(m => m.Id == derived.ModelId, ct);
        var data = derived.Evaluation is { } evaluation
            ? await evaluationDatasets.Load(derived.EvaluationDatasetId, evaluation.Spec, evaluation.Tokenizer, ct)
            : await evaluationDatasets.Load(derived.EvaluationDatasetId, ct);
        ClassificationReport report;
        ModelTiming timing;
        using (var loaded = evidence.Load(derived.Onnx, $"{model.Name} (compressed)"))
        {
            report = await EvidenceMeasurement.Evaluate(loaded, data, ct);
            timing = await evidence.Time(loaded, data, ct);
        }
        return await recorder.Record(model, derived.Onnx, derived.Weights, (onnxSha, weightsSha) => new ModelVersion
        {
            Id = derived.VersionId,
            ModelId = model.Id,
            Source = VersionSource.Derived,
            ParentVersionId = derived.ParentVersionId,
            Recipe = derived.RecipeJson,
            CompressionJson = derived.ReportJson,
            SpecJson = derived.Spec?.ToJson(),
            ClassNames = derived.ClassNames,
            WeightsArtifact = weightsSha,
            OnnxArtifact = onnxSha,
            CreatedBy = actor,
        }, new VersionEvidence(report, derived.EvaluationDatasetId, timing), new { parentVersionId = derived.ParentVersionId, compressionId = derived.CompressionId }, actor, ct);
    }
}
