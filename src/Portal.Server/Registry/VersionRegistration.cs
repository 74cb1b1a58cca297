using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;
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
        SignatureView signature;
        BatchIndependence batchCheck;
        using (var loaded = evidence.Load(onnx, $"{model.Name} (run {run.Name})"))
        {
            timing = await evidence.Time(loaded, data, ct);
            signature = VersionSignature.Of(loaded);
            batchCheck = PerSampleSpec.Of(trained.Spec) ?? BatchIndependenceCheck.Run(loaded);
        }

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
        }, new VersionEvidence(report, evaluationId, timing, signature, batchCheck), new { runId = run.Id, run = run.Name }, actor, ct);
    }

    /// <summary>
    /// An uploaded ONNX file (checked when its import was requested) as a new version, by its import job: accuracy
    /// when the import names a dataset, latency, throughput and size as far as they can be measured without labels;
    /// what cannot be measured is recorded as not measured, with the reason, and the version is stored all the same.
    /// </summary>
    public async Task<VersionView> FromImport(VersionImport import, byte[] onnx, Func<double, Task> progress, string actor, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().FirstAsync(m => m.Id == import.ModelId, ct);
        if (await ImportRules.ExistingVersion(db, model, import.OnnxArtifact, ct) is { } existing)
            throw new InvalidOperationException(ImportRules.Duplicate(model, existing, import.OnnxArtifact));
        var settings = ImportRules.Settings(import);
        var data = settings.EvaluationDatasetId is { } id ? await evaluationDatasets.Load(id, ct) : null;
        var versionId = Guid.NewGuid();
        ClassificationReport? report = null;
        string[] classNames;
        ModelTiming timing;
        MeasurementReport measurement;
        SignatureView signature;
        BatchIndependence batchCheck;
        using (var loaded = evidence.Load(onnx, import.FileName))
        {
            classNames = ImportRules.ClassNames(settings, loaded, data);
            signature = VersionSignature.Of(loaded);
            var sizes = ImportRules.Sizes(settings, loaded);
            batchCheck = BatchIndependenceCheck.Run(loaded, sizes: sizes);
            if (data is not null)
            {
                if (ImportRules.Misfit(loaded, settings, data) is { } reason) throw new InvalidOperationException(reason);
                report = await EvidenceMeasurement.Evaluate(loaded, ImportRules.Aligned(settings, data), ct);
            }
            await progress(0.4);
            (timing, measurement) = await evidence.TimeImported(loaded, data, sizes, ct);
        }
        if (data is null) measurement = measurement with { NotMeasured = [new("accuracy", "no labelled dataset was named (evaluationDatasetId)"), .. measurement.NotMeasured] };
        await progress(0.9);

        import.VersionId = versionId;
        return await recorder.Record(model, onnx, null, (onnxSha, _) => new ModelVersion
        {
            Id = versionId,
            ModelId = model.Id,
            Source = VersionSource.Import,
            ClassNames = classNames,
            OnnxArtifact = onnxSha,
            CreatedBy = actor,
        }, new VersionEvidence(report, settings.EvaluationDatasetId, timing, signature, batchCheck, measurement),
            new { importId = import.Id, fileName = import.FileName, size = onnx.Length }, actor, ct);
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
        SignatureView signature;
        BatchIndependence batchCheck;
        using (var loaded = evidence.Load(derived.Onnx, $"{model.Name} (compressed)"))
        {
            report = await EvidenceMeasurement.Evaluate(loaded, data, ct);
            timing = await evidence.Time(loaded, data, ct);
            signature = VersionSignature.Of(loaded);
            // Checked even from a per-sample spec: compression can mix rows (dynamic quantization's scale is taken over the whole input).
            batchCheck = BatchIndependenceCheck.Run(loaded);
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
        }, new VersionEvidence(report, derived.EvaluationDatasetId, timing, signature, batchCheck), new { parentVersionId = derived.ParentVersionId, compressionId = derived.CompressionId }, actor, ct);
    }
}
