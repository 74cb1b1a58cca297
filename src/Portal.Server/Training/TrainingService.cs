using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Training;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;

namespace Portal.Server.Training;

/// <summary>
/// Creates training runs (the run and its queued job in one save, audited) after checking spec, options and
/// datasets with the engine, and reads runs, their curves and their weights.
/// </summary>
public sealed class TrainingService(PortalDbContext db, AuditLog audit, JobQueue queue, ArtifactStore artifacts, TimeProvider clock)
{
    public const int MaxNameLength = 200;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions s_strictJson = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    /// <summary>A run with the state of its job.</summary>
    public sealed record RunWithJob(TrainingRun Run, JobRecord Job);

    /// <exception cref="Refusal">A field is missing, a dataset does not exist or does not fit the spec.</exception>
    /// <exception cref="ArgumentException">The engine refuses an option as out of range.</exception>
    /// <exception cref="ModelSpecException">The spec is malformed or names no ready spec.</exception>
    public async Task<RunWithJob> Create(CreateRunRequest request, string actor, CancellationToken ct)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name)) throw Refusal.Invalid("A run needs a name.");
        if (name.Length > MaxNameLength) throw Refusal.Invalid($"A run name has at most {MaxNameLength} characters, not {name.Length}.");
        var spec = ReadSpec(request.Spec);
        var train = await Dataset(request.DatasetId, "datasetId", ct);
        var validation = request.ValidationDatasetId is { } v ? await Dataset(v, "validationDatasetId", ct) : null;
        var runOptions = ReadOptions(request.Options);
        var options = runOptions.ToTrainingOptions(classification: train.ClassNames.Length > 0);
        if (train.IsText || spec.Tokens is not null)
        {
            await CheckText(spec, train, validation, ct);
            if (runOptions.Standardization is not null && options.Standardization is not null)
                throw Refusal.Invalid($"Model '{spec.Name}' takes token ids, which are categories: standardization '{runOptions.Standardization}' does not apply to them.");
            options = options with { Standardization = null };
        }
        CheckFit(spec, options, train, validation);

        var now = clock.GetUtcNow();
        var run = new TrainingRun
        {
            Name = name,
            DatasetId = train.Id,
            ValidationDatasetId = validation?.Id,
            SpecJson = spec.ToJson(),
            OptionsJson = JsonSerializer.Serialize(options, s_json),
            CreatedBy = actor,
            CreatedAt = now,
        };
        var job = queue.Enqueue(db, JobKinds.Training, new TrainingPayload(run.Id), actor);
        run.JobId = job.Id;
        db.Runs.Add(run);
        audit.Append(actor, "run.create", "run", run.Id.ToString(), new
        {
            name,
            spec = spec.Name,
            dataset = train.Name,
            validation = validation?.Name,
            jobId = job.Id,
            options.Epochs,
            options.BatchSize,
            optimizer = options.Optimizer.Kind.ToString(),
            options.Optimizer.LearningRate,
        });
        await db.SaveChangesAsync(ct);
        return new RunWithJob(run, job);
    }

    public async Task<Page<RunWithJob>> List(PageRequest page, CancellationToken ct)
    {
        var query = from r in db.Runs.AsNoTracking()
                    join j in db.Jobs.AsNoTracking() on r.JobId equals j.Id
                    orderby r.CreatedAt descending
                    select new { Run = r, Job = j };
        return await page.Apply(query, x => new RunWithJob(x.Run, x.Job), ct);
    }

    public async Task<RunWithJob> Get(Guid id, CancellationToken ct)
    {
        var found = await (from r in db.Runs.AsNoTracking()
                           join j in db.Jobs.AsNoTracking() on r.JobId equals j.Id
                           where r.Id == id
                           select new { Run = r, Job = j }).FirstOrDefaultAsync(ct) ?? throw NoRun(id);
        return new RunWithJob(found.Run, found.Job);
    }

    /// <summary>Every stored step in order (those of the stored epochs).</summary>
    public async Task<IReadOnlyList<RunStepPoint>> Steps(Guid id, CancellationToken ct)
    {
        await RequireRun(id, ct);
        var epochs = await db.RunEpochSteps.AsNoTracking().Where(s => s.RunId == id).OrderBy(s => s.Epoch).ToListAsync(ct);
        return [.. epochs.SelectMany(e => e.Unpack())];
    }

    /// <summary>Every stored epoch in order, exactly as stored.</summary>
    public async Task<IReadOnlyList<RunEpochMetric>> Metrics(Guid id, CancellationToken ct)
    {
        await RequireRun(id, ct);
        return await db.RunEpochMetrics.AsNoTracking().Where(m => m.RunId == id).OrderBy(m => m.Epoch).ToListAsync(ct);
    }

    /// <summary>
    /// Queues an export of the run's weights to ONNX (the job and the run's pointer to it in one save, audited).
    /// Refused while the run has no weights or an export of it is still to finish.
    /// </summary>
    public async Task<JobRecord> RequestExport(Guid id, string actor, CancellationToken ct)
    {
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw NoRun(id);
        if (run.WeightsArtifact is null)
        {
            var state = await db.Jobs.Where(j => j.Id == run.JobId).Select(j => j.State).FirstAsync(ct);
            throw Refusal.Conflict($"Run '{run.Name}' has no weights to export yet: its training job is {state}.");
        }
        if (run.ExportJobId is { } previous
            && await db.Jobs.AnyAsync(j => j.Id == previous && (j.State == JobState.Queued || j.State == JobState.Running), ct))
            throw Refusal.Conflict($"Run '{run.Name}' is already being exported by job {previous}.");
        var job = queue.Enqueue(db, JobKinds.Export, new RunExportPayload(run.Id), actor);
        run.ExportJobId = job.Id;
        audit.Append(actor, "run.export.request", "run", run.Id.ToString(), new { jobId = job.Id });
        await db.SaveChangesAsync(ct);
        return job;
    }

    /// <summary>The run's exported ONNX file (hash-checked), with the run it belongs to.</summary>
    public async Task<(TrainingRun Run, byte[] Content)> Onnx(Guid id, CancellationToken ct)
    {
        var run = (await Get(id, ct)).Run;
        if (run.OnnxArtifact is not { } sha) throw Refusal.NotFound($"Run {id} has no ONNX file: export it with POST /api/v1/runs/{id}/exports.");
        return (run, await artifacts.ReadVerified(sha, ct));
    }

    /// <summary>The run's safetensors (hash-checked), with the run they belong to.</summary>
    public async Task<(TrainingRun Run, byte[] Content)> Weights(Guid id, CancellationToken ct)
    {
        var (run, job) = await Get(id, ct);
        if (run.WeightsArtifact is not { } sha) throw Refusal.NotFound($"Run {id} has no weights yet: its job is {job.State}.");
        return (run, await artifacts.ReadVerified(sha, ct));
    }

    private async Task RequireRun(Guid id, CancellationToken ct)
    {
        if (!await db.Runs.AnyAsync(r => r.Id == id, ct)) throw NoRun(id);
    }

    private static Refusal NoRun(Guid id) => Refusal.NotFound($"No run {id}.");

    private static ModelSpec ReadSpec(JsonElement spec) => spec.ValueKind switch
    {
        JsonValueKind.String => ReadySpecs.Get(spec.GetString()!),
        JsonValueKind.Object => ModelSpec.FromJson(spec.GetRawText()),
        _ => throw Refusal.Invalid($"spec must be a ready spec's name ({string.Join(", ", ReadySpecs.All.Select(s => s.Name))}) or a spec object, not {spec.ValueKind}."),
    };

    private static RunOptions ReadOptions(JsonElement? options)
    {
        if (options is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given) return new RunOptions();
        try
        {
            return given.Deserialize<RunOptions>(s_strictJson) ?? new RunOptions();
        }
        catch (JsonException e)
        {
            throw Refusal.Invalid($"The run options are invalid: {JsonErrors.Describe(e)}", e);
        }
    }

    private async Task<DatasetRecord> Dataset(Guid id, string field, CancellationToken ct) =>
        await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct)
        ?? throw Refusal.Invalid($"{field}: there is no dataset {id}.");

    /// <summary>
    /// A token spec takes text datasets only, and a text dataset only a token spec whose padding id and embeddings fit
    /// the training set's tokenizer (which the validation set is read through too).
    /// </summary>
    private async Task CheckText(ModelSpec spec, DatasetRecord train, DatasetRecord? validation, CancellationToken ct)
    {
        foreach (var (data, role) in new[] { (train, "training"), (validation, "validation") })
        {
            if (data is null) continue;
            if (data.IsText && spec.Tokens is null)
                throw Refusal.Invalid($"Model '{spec.Name}' takes float features [{string.Join(',', spec.InputShape)}] but the {role} dataset '{data.Name}' holds texts: a text dataset needs a token spec.");
            if (!data.IsText && spec.Tokens is not null)
                throw Refusal.Invalid($"Model '{spec.Name}' takes token ids [{string.Join(',', spec.InputShape)}] but the {role} dataset '{data.Name}' holds features of shape [{string.Join(',', data.SampleShape)}], not texts.");
        }
        var tokenizer = WordTokenizer.FromJson(System.Text.Encoding.UTF8.GetString(await artifacts.ReadVerified(train.TokenizerArtifact!, ct)));
        if (TextEncoding.Mismatch(spec, tokenizer.VocabularySize, train.Name) is { } reason) throw Refusal.Invalid(reason);
    }

    /// <summary>
    /// What the engine would refuse when the job starts, refused now from the datasets' recorded shapes:
    /// input size, classes against the last layer, and options that need a validation set or image inputs.
    /// </summary>
    private static void CheckFit(ModelSpec spec, TrainingOptions options, DatasetRecord train, DatasetRecord? validation)
    {
        var output = spec.Infer().OutputShape;
        var inputCount = spec.InputShape.Aggregate(1, (a, b) => a * b);
        foreach (var (data, role) in new[] { (train, "training"), (validation, "validation") })
        {
            if (data is null) continue;
            var features = data.SampleShape.Aggregate(1, (a, b) => a * b);
            if (!data.IsText && features != inputCount)
                throw Refusal.Invalid($"The {role} dataset '{data.Name}' has samples of shape [{string.Join(',', data.SampleShape)}] ({features} values) but model '{spec.Name}' takes [{string.Join(',', spec.InputShape)}] ({inputCount} values).");
            if ((data.ClassNames.Length > 0) != (train.ClassNames.Length > 0))
                throw Refusal.Invalid($"The validation dataset '{data.Name}' and the training dataset '{train.Name}' disagree on classes versus targets.");
        }
        var classes = train.ClassNames.Length;
        if (options.Loss == LossKind.CrossEntropy)
        {
            if (classes == 0) throw Refusal.Invalid($"Cross-entropy needs class labels; '{train.Name}' has float targets (use loss MeanSquaredError).");
            if (output.Count != 1 || output[0] != classes)
                throw Refusal.Invalid($"Model '{spec.Name}' outputs [{string.Join(',', output)}] but the dataset '{train.Name}' has {classes} classes: the last layer must output [{classes}].");
        }
        else
        {
            if (classes > 0) throw Refusal.Invalid($"Mean squared error needs float targets; '{train.Name}' has class labels (use loss CrossEntropy).");
            if (output.Count != 1 || output[0] != 1)
                throw Refusal.Invalid($"Model '{spec.Name}' outputs [{string.Join(',', output)}] but the targets of '{train.Name}' have width 1.");
        }
        if (validation is not null && ClassOrder.Mismatch(train.ClassNames, $"The training dataset '{train.Name}'", validation.ClassNames, validation.Name) is { } misfit)
            throw Refusal.Invalid($"The validation dataset's classes differ: {misfit}.");
        if (options.EarlyStopping is not null && validation is null)
            throw Refusal.Invalid("Early stopping watches a validation metric: give a validationDatasetId.");
        if (options.Augmentation is not null && spec.InputShape.Count != 3)
            throw Refusal.Invalid($"Image augmentation needs [C,H,W] inputs; model '{spec.Name}' takes [{string.Join(',', spec.InputShape)}].");
    }
}
