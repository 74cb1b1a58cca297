using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Compression;
using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Compression;

/// <summary>
/// Queues compressions of a version (the request and its job in one save, audited) after the engine has checked
/// the recipe against the parent model and the data, and reads them back with their job's state and result.
/// </summary>
public sealed class CompressionService(PortalDbContext db, AuditLog audit, JobQueue queue, DatasetLoader datasets, ArtifactStore artifacts, TimeProvider clock)
{
    internal static readonly JsonSerializerOptions RecipeJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>What compression is called in a refusal of its parent.</summary>
    internal const string Act = "compression";

    public static string Topic(Guid compressionId) => $"compression:{compressionId}";

    /// <exception cref="Refusal">No such model, version or dataset (404); a recipe, parent or dataset the engine refuses (400).</exception>
    public async Task<CompressionView> Request(string modelName, int number, CompressRequest request, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var parent = await db.RequireVersion(model, number, ct);
        if (VersionModel.Unfit(parent, model.Name, Act) is { } unfit) throw Refusal.Invalid(unfit);
        var recipe = ReadRecipe(request.Recipe);
        var trainId = request.TrainDatasetId ?? await TrainingDatasetOf(parent, model.Name, ct);
        var testId = request.TestDatasetId ?? parent.EvaluationDatasetId
            ?? throw Refusal.Invalid($"Version {number} of '{model.Name}' was not evaluated on a dataset: give testDatasetId.");
        foreach (var id in new[] { trainId, testId })
        {
            if (!await db.Datasets.AnyAsync(d => d.Id == id, ct)) throw Refusal.NotFound($"No dataset {id}.");
        }

        // The engine's own checks (recipe ranges, classes and shapes, the student's outputs), now rather than as a failed job.
        var parentModel = await VersionModel.Load(db, artifacts, parent, model.Name, Act, ct);
        var tokenizer = await VersionModel.Tokenizer(artifacts, parent, ct);
        try
        {
            Compressor.Validate(new CompressionRequest(parentModel, recipe,
                await datasets.LoadFor(trainId, parentModel.Spec, tokenizer, ct), await datasets.LoadFor(testId, parentModel.Spec, tokenizer, ct)));
        }
        catch (ArgumentException e)
        {
            throw Refusal.Invalid(e.Message, e);
        }

        var record = new CompressionRecord
        {
            ModelId = model.Id,
            ParentVersionId = parent.Id,
            Method = recipe.Method,
            RecipeJson = JsonSerializer.Serialize(recipe, RecipeJson),
            TrainDatasetId = trainId,
            TestDatasetId = testId,
            CreatedBy = actor,
            CreatedAt = clock.GetUtcNow(),
        };
        var job = queue.Enqueue(db, JobKinds.Compression, new CompressionPayload(record.Id), actor);
        record.JobId = job.Id;
        db.Add(record);
        audit.Append(actor, "compression.request", "version", parent.Id.ToString(), new
        {
            model = model.Name,
            version = parent.Number,
            compressionId = record.Id,
            method = recipe.Method,
            jobId = job.Id,
        });
        await db.SaveChangesAsync(ct);
        return CompressionViews.View(record, model.Name, parent.Number, job, null);
    }

    /// <summary>The model's compressions, newest first.</summary>
    public async Task<Page<CompressionView>> List(string modelName, PageRequest page, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var query = from c in db.Set<CompressionRecord>().AsNoTracking()
                    join j in db.Jobs.AsNoTracking() on c.JobId equals j.Id
                    join p in db.ModelVersions.AsNoTracking() on c.ParentVersionId equals p.Id
                    where c.ModelId == model.Id
                    orderby c.CreatedAt descending
                    select new
                    {
                        Record = c,
                        Job = j,
                        Parent = p.Number,
                        Result = db.ModelVersions.Where(v => v.Id == c.ResultVersionId).Select(v => (int?)v.Number).FirstOrDefault(),
                    };
        return await page.Apply(query, x => CompressionViews.View(x.Record, model.Name, x.Parent, x.Job, x.Result), ct);
    }

    public async Task<CompressionView> Get(Guid id, CancellationToken ct)
    {
        var found = await (from c in db.Set<CompressionRecord>().AsNoTracking()
                           join j in db.Jobs.AsNoTracking() on c.JobId equals j.Id
                           join p in db.ModelVersions.AsNoTracking() on c.ParentVersionId equals p.Id
                           join m in db.Models.AsNoTracking() on c.ModelId equals m.Id
                           where c.Id == id
                           select new
                           {
                               Record = c,
                               Job = j,
                               Model = m.Name,
                               Parent = p.Number,
                               Result = db.ModelVersions.Where(v => v.Id == c.ResultVersionId).Select(v => (int?)v.Number).FirstOrDefault(),
                           }).FirstOrDefaultAsync(ct)
            ?? throw Refusal.NotFound($"No compression {id}.");
        return CompressionViews.View(found.Record, found.Model, found.Parent, found.Job, found.Result);
    }

    private static CompressionRecipe ReadRecipe(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw Refusal.Invalid("recipe must be an object with a method: prune-unstructured, prune-structured, quantize-int8 or distill.");
        try
        {
            var recipe = WithReadyStudent(json).Deserialize<CompressionRecipe>(RecipeJson) ?? throw Refusal.Invalid("recipe is null.");
            var training = recipe switch
            {
                UnstructuredPruningRecipe u => u.FineTuning,
                StructuredPruningRecipe s => s.FineTuning,
                DistillationRecipe d => d.Training,
                _ => null,
            };
            // The server keeps its own checkpoints; a path from a request would let it write anywhere.
            if (training?.CheckpointDirectory is not null)
                throw Refusal.Invalid("checkpointDirectory is chosen by the server, not by a request: leave it out of the recipe.");
            return recipe;
        }
        catch (JsonException e)
        {
            throw Refusal.Invalid($"The recipe is invalid: {JsonErrors.Describe(e)} (method is one of prune-unstructured, prune-structured, quantize-int8, distill).", e);
        }
        catch (NotSupportedException e)
        {
            throw Refusal.Invalid($"The recipe is invalid: {e.Message} (method is one of prune-unstructured, prune-structured, quantize-int8, distill).", e);
        }
        catch (ArgumentException e)
        {
            throw Refusal.Invalid($"The recipe is invalid: {e.Message}", e);
        }
    }

    /// <summary>A distillation's student given as a ready spec's name (as a run's spec may be) replaced by that spec.</summary>
    private static JsonElement WithReadyStudent(JsonElement json)
    {
        if (!json.TryGetProperty("student", out var student) || student.ValueKind != JsonValueKind.String) return json;
        ModelSpec spec;
        try
        {
            spec = ReadySpecs.Get(student.GetString()!);
        }
        catch (ModelSpecException e)
        {
            throw Refusal.Invalid($"The recipe's student: {e.Message}", e);
        }
        var recipe = JsonNode.Parse(json.GetRawText())!.AsObject();
        recipe["student"] = JsonNode.Parse(spec.ToJson());
        return JsonSerializer.SerializeToElement(recipe);
    }

    /// <summary>The dataset the version's lineage was trained on: its run's, or its nearest ancestor's.</summary>
    private async Task<Guid> TrainingDatasetOf(ModelVersion version, string modelName, CancellationToken ct)
    {
        var current = version;
        for (var depth = 0; depth < 100; depth++)
        {
            if (current.RunId is { } runId)
                return await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => (Guid?)r.DatasetId).FirstOrDefaultAsync(ct)
                    ?? throw Refusal.Invalid($"The training run of version {version.Number} of '{modelName}' is gone: give trainDatasetId.");
            if (current.ParentVersionId is not { } parentId) break;
            current = await db.ModelVersions.AsNoTracking().FirstAsync(v => v.Id == parentId, ct);
        }
        throw Refusal.Invalid($"Version {version.Number} of '{modelName}' has no training run in its lineage: give trainDatasetId.");
    }
}
