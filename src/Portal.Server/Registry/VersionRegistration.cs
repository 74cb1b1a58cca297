using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Serving;
using Portal.Server.Training;

namespace Portal.Server.Registry;

/// <summary>
/// Makes new versions: from a succeeded training run (export to ONNX with the standardisation folded in, evaluate on
/// a held-out dataset, measure latency) or from an external ONNX file. Evidence is measured here, never entered, with
/// sessions configured as serving runs them.
/// </summary>
public sealed class VersionRegistration(
    PortalDbContext db, AuditLog audit, ArtifactStore artifacts, DatasetLoader datasets, EvidenceMeter meter, IOptions<ServingOptions> serving,
    TimeProvider clock)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    // Numbers are "max + 1" per model: in this process registrations take them one at a time; across processes the
    // unique (model, number) index refuses the second and the caller is asked to register again.
    private static readonly SemaphoreSlim s_numbering = new(1, 1);

    // Files this process has stored for registrations that are not saved (or failed) yet, by content: a failed
    // registration deletes a file it created only when no other registration is about to reference it.
    private static readonly Dictionary<string, int> s_unsettled = new(StringComparer.Ordinal);

    private readonly List<string> _stored = [];
    private readonly List<string> _created = [];

    private sealed record StoredFile(string Sha256, long Size, string MediaType);

    public async Task<VersionView> FromRun(string modelName, Guid runId, Guid? evaluationDatasetId, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw Refusal.NotFound($"No training run {runId}.");
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == run.JobId, ct);
        if (job?.State != JobState.Succeeded)
            throw Refusal.Conflict($"Run '{run.Name}' ({run.Id}) has not succeeded: its job is {job?.State.ToString() ?? "missing"}. Only a succeeded run becomes a version.");
        if (run.WeightsArtifact is not { } weightsSha)
            throw Refusal.Conflict($"Run '{run.Name}' ({run.Id}) succeeded but kept no weights.");
        var training = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == run.DatasetId, ct)
            ?? throw Refusal.Conflict($"Run '{run.Name}' was trained on dataset {run.DatasetId}, which is no longer registered.");

        var spec = ModelSpec.FromJson(run.SpecJson);
        var standardization = RunModelFiles.Standardization(run.StandardizationJson);
        var weightsBytes = await ReadStored(weightsSha, $"the weights of run '{run.Name}'", ct);
        ModelWeights weights;
        try
        {
            weights = SafetensorsReader.Read(weightsBytes).Weights;
        }
        catch (SafetensorsFormatException e)
        {
            throw Refusal.Conflict($"The weights of run '{run.Name}' ({weightsSha}) are not a valid safetensors file: {e.Message}", e);
        }
        var classNames = training.ClassNames;

        var evaluationId = await EvaluationDatasetFor(run, training, evaluationDatasetId, ct);
        var evaluationData = evaluationId is { } id ? await LoadDataset(id, ct) : null;
        ClassificationReport? report = null;
        if (evaluationData is not null)
        {
            if (ClassOrder.Mismatch(classNames, $"Run '{run.Name}' (trained on dataset '{training.Name}')", evaluationData) is { } misfit)
                throw Refusal.Invalid($"Cannot evaluate on dataset '{evaluationData.Name}': {misfit}.");
            var trained = new TrainedModel(spec, weights, standardization, classNames);
            report = await Task.Run(() => ModelEvaluator.Evaluate(trained, evaluationData, cancellationToken: ct).Report, ct);
        }

        var versionId = Guid.NewGuid();
        var onnx = RunModelFiles.Onnx(spec, weights, standardization, classNames, versionId);
        LatencyEvidence latency;
        using (var loaded = InferenceModel.Load(onnx, serving.Value.Sessions, $"{model.Name} (run {run.Name})"))
            latency = await meter.Measure(loaded, FirstSamples(evaluationData), ct);

        var onnxFile = await Store(onnx, VersionArtifacts.OnnxMediaType, ct);
        var version = new ModelVersion
        {
            Id = versionId,
            ModelId = model.Id,
            Source = VersionSource.Run,
            RunId = run.Id,
            SpecJson = spec.ToJson(),
            ClassNames = classNames,
            WeightsArtifact = weightsSha,
            OnnxArtifact = onnxFile.Sha256,
            CreatedBy = actor,
        };
        return await Save(model, version, report, evaluationId, latency,
            [onnxFile, new StoredFile(weightsSha, weightsBytes.Length, VersionArtifacts.SafetensorsMediaType)], new { runId = run.Id, run = run.Name }, actor, ct);
    }

    /// <summary>
    /// An external ONNX file as a new version: refused with the engine's message when it is not ONNX or the runtime
    /// cannot load it; evaluated only when <paramref name="evaluationDatasetId"/> is given (and then its input and
    /// output must fit that dataset); latency always measured.
    /// </summary>
    public async Task<VersionView> Import(string modelName, byte[] onnx, string fileName, Guid? evaluationDatasetId, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var evaluationData = evaluationDatasetId is { } id ? await LoadDataset(id, ct) : null;
        InferenceModel loaded;
        try
        {
            loaded = InferenceModel.Load(onnx, serving.Value.Sessions, fileName);
        }
        catch (OnnxFormatException e)
        {
            throw Refusal.Invalid(e.Message, e);
        }

        ClassificationReport? report = null;
        IReadOnlyList<string>? labels;
        LatencyEvidence latency;
        using (loaded)
        {
            try
            {
                labels = loaded.Info.ClassLabels;
            }
            catch (OnnxFormatException e)
            {
                throw Refusal.Invalid(e.Message, e);
            }
            if (evaluationData is not null)
            {
                if (OnnxEvaluator.Misfit(loaded, evaluationData) is { } reason)
                    throw Refusal.Invalid($"Cannot evaluate the imported file on dataset '{evaluationData.Name}': {reason}. Import it without evaluationDatasetId to register it without accuracy.");
                report = await Task.Run(() => OnnxEvaluator.Evaluate(loaded, evaluationData, ct), ct);
            }
            try
            {
                latency = await meter.Measure(loaded, FirstSamples(evaluationData), ct);
            }
            catch (ArgumentException e)
            {
                throw Refusal.Invalid(e.Message, e);
            }
        }

        var onnxFile = await Store(onnx, VersionArtifacts.OnnxMediaType, ct);
        var version = new ModelVersion
        {
            ModelId = model.Id,
            Source = VersionSource.Import,
            ClassNames = [.. labels ?? evaluationData?.ClassNames ?? []],
            OnnxArtifact = onnxFile.Sha256,
            CreatedBy = actor,
        };
        return await Save(model, version, report, evaluationDatasetId, latency, [onnxFile], new { fileName, size = onnx.Length }, actor, ct);
    }

    /// <summary>
    /// A compressed model as a new version derived from its parent: evaluated on <see cref="DerivedVersion.EvaluationDatasetId"/>
    /// and timed like every other version (so gates compare like with like), with the compression report beside.
    /// </summary>
    public async Task<VersionView> FromCompression(DerivedVersion derived, string actor, CancellationToken ct)
    {
        var model = await db.Models.AsNoTracking().FirstAsync(m => m.Id == derived.ModelId, ct);
        var evaluationData = await LoadDataset(derived.EvaluationDatasetId, ct);
        ClassificationReport report;
        LatencyEvidence latency;
        using (var loaded = InferenceModel.Load(derived.Onnx, serving.Value.Sessions, $"{model.Name} (compressed)"))
        {
            report = await Task.Run(() => OnnxEvaluator.Evaluate(loaded, evaluationData, ct), ct);
            latency = await meter.Measure(loaded, FirstSamples(evaluationData), ct);
        }
        var onnxFile = await Store(derived.Onnx, VersionArtifacts.OnnxMediaType, ct);
        List<StoredFile> files = [onnxFile];
        if (derived.Weights is { } weights) files.Add(await Store(weights, VersionArtifacts.SafetensorsMediaType, ct));
        var version = new ModelVersion
        {
            Id = derived.VersionId,
            ModelId = model.Id,
            Source = VersionSource.Derived,
            ParentVersionId = derived.ParentVersionId,
            Recipe = derived.RecipeJson,
            CompressionJson = derived.ReportJson,
            SpecJson = derived.Spec?.ToJson(),
            ClassNames = derived.ClassNames,
            WeightsArtifact = derived.Weights is null ? null : files[1].Sha256,
            OnnxArtifact = onnxFile.Sha256,
            CreatedBy = actor,
        };
        return await Save(model, version, report, derived.EvaluationDatasetId, latency, files,
            new { parentVersionId = derived.ParentVersionId, compressionId = derived.CompressionId }, actor, ct);
    }

    private async Task<Guid?> EvaluationDatasetFor(TrainingRun run, DatasetRecord training, Guid? requested, CancellationToken ct)
    {
        if (requested == run.DatasetId)
            throw Refusal.Invalid($"Dataset '{training.Name}' is the one run '{run.Name}' was trained on: evidence comes from held-out data, so give another evaluationDatasetId.");
        if (requested is not null) return requested;
        // A regression model has no classification figures to measure; its evidence is latency only.
        if (training.ClassNames.Length == 0) return null;
        if (training.Name == BuiltinDatasets.TrainName)
        {
            return await db.Datasets.AsNoTracking().Where(d => d.Name == BuiltinDatasets.TestName).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct)
                ?? throw Refusal.Invalid($"Run '{run.Name}' was trained on '{BuiltinDatasets.TrainName}' but '{BuiltinDatasets.TestName}' is not registered: give evaluationDatasetId.");
        }
        throw Refusal.Invalid(
            $"Run '{run.Name}' was trained on dataset '{training.Name}', which has no known test set: give evaluationDatasetId (held-out data of the same shape and classes).");
    }

    private async Task<Dataset> LoadDataset(Guid id, CancellationToken ct)
    {
        if (!await db.Datasets.AnyAsync(d => d.Id == id, ct)) throw Refusal.NotFound($"No dataset {id}.");
        return await datasets.Load(id, ct);
    }

    /// <summary>Up to 64 raw samples to time the model on; empty (seeded values) without a dataset.</summary>
    private static ReadOnlyMemory<float> FirstSamples(Dataset? data) =>
        data is null ? ReadOnlyMemory<float>.Empty : data.Features[..(Math.Min(EvidenceMeter.ThroughputBatch, data.Count) * data.FeatureCount)].ToArray();

    private async Task<byte[]> ReadStored(string sha, string what, CancellationToken ct)
    {
        try
        {
            return await artifacts.ReadVerified(sha, ct);
        }
        catch (FileNotFoundException e)
        {
            throw Refusal.Conflict($"{Capitalised(what)} ({sha}) are missing from the artifact store.", e);
        }
        catch (InvalidDataException e)
        {
            throw Refusal.Conflict($"{Capitalised(what)} cannot be used: {e.Message}", e);
        }
    }

    private async Task<StoredFile> Store(byte[] content, string mediaType, CancellationToken ct)
    {
        ArtifactStore.Stored stored;
        try
        {
            stored = await artifacts.Write(content, ct);
        }
        catch
        {
            await Abandon(holdingNumbering: false);
            throw;
        }
        lock (s_unsettled) s_unsettled[stored.Sha256] = s_unsettled.GetValueOrDefault(stored.Sha256) + 1;
        _stored.Add(stored.Sha256);
        if (stored.Created) _created.Add(stored.Sha256);
        return new StoredFile(stored.Sha256, stored.Size, mediaType);
    }

    /// <summary>The registration is saved (or given up): its files no longer count as about to be referenced.</summary>
    private void Settle()
    {
        lock (s_unsettled)
        {
            foreach (var sha in _stored)
            {
                if (--s_unsettled[sha] == 0) s_unsettled.Remove(sha);
            }
        }
        _stored.Clear();
    }

    /// <summary>
    /// A registration that failed after storing files deletes those it created, unless a record references one
    /// (the same content saved meanwhile) or another registration in flight stored it too: no file is left behind
    /// that nothing will ever reference.
    /// </summary>
    private async Task Abandon(bool holdingNumbering)
    {
        Settle();
        if (_created.Count == 0) return;
        if (!holdingNumbering) await s_numbering.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var sha in _created.Distinct())
            {
                bool unsettled;
                lock (s_unsettled) unsettled = s_unsettled.ContainsKey(sha);
                if (!unsettled && !await db.Artifacts.AsNoTracking().AnyAsync(a => a.Sha256 == sha, CancellationToken.None)) artifacts.Delete(sha);
            }
        }
        finally
        {
            _created.Clear();
            if (!holdingNumbering) s_numbering.Release();
        }
    }

    private async Task<VersionView> Save(
        RegisteredModel model, ModelVersion version, ClassificationReport? report, Guid? evaluationDatasetId, LatencyEvidence latency,
        IReadOnlyList<StoredFile> files, object origin, string actor, CancellationToken ct)
    {
        version.Accuracy = report?.Accuracy;
        version.EvaluationJson = report is null ? null : JsonSerializer.Serialize(report, s_json);
        version.EvaluationDatasetId = report is null ? null : evaluationDatasetId;
        version.LatencyP50Ms = latency.P50Ms;
        version.LatencyP95Ms = latency.P95Ms;
        version.ThroughputBatch64 = latency.SamplesPerSecond;
        version.CreatedAt = clock.GetUtcNow();

        try
        {
            await s_numbering.WaitAsync(ct);
        }
        catch
        {
            await Abandon(holdingNumbering: false);
            throw;
        }
        try
        {
            foreach (var file in files)
            {
                if (!await db.Artifacts.AnyAsync(a => a.Sha256 == file.Sha256, ct))
                    db.Artifacts.Add(new ArtifactRecord { Sha256 = file.Sha256, Size = file.Size, MediaType = file.MediaType, CreatedAt = clock.GetUtcNow() });
            }
            version.Number = (await db.ModelVersions.Where(v => v.ModelId == model.Id).MaxAsync(v => (int?)v.Number, ct) ?? 0) + 1;
            db.ModelVersions.Add(version);
            audit.Append(actor, "version.create", "version", version.Id.ToString(), new
            {
                model = model.Name,
                modelId = model.Id,
                version = version.Number,
                source = version.Source.ToString(),
                origin,
                onnx = version.OnnxArtifact,
                weights = version.WeightsArtifact,
                accuracy = version.Accuracy,
                evaluationDatasetId = version.EvaluationDatasetId,
                latencyP50Ms = version.LatencyP50Ms,
                latencyP95Ms = version.LatencyP95Ms,
                throughputBatch64 = version.ThroughputBatch64,
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e)
            {
                throw Refusal.Conflict($"Version {version.Number} of model '{model.Name}' was registered elsewhere at the same time; register again.", e);
            }
            Settle();
        }
        catch
        {
            await Abandon(holdingNumbering: true);
            throw;
        }
        finally
        {
            s_numbering.Release();
        }
        return await VersionViews.Build(db, model, version, ct);
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
