using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Evaluations;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Evaluations;

/// <summary>
/// Queues evaluations of a version on a dataset (the request and its job in one save, audited) after checking
/// that the version's ONNX file fits the dataset, and reads them back with their job's state.
/// </summary>
public sealed class EvaluationService(PortalDbContext db, AuditLog audit, JobQueue queue, DatasetLoader datasets, ArtifactStore artifacts, TimeProvider clock)
{
    /// <exception cref="Refusal">No such model, version or dataset (404), or the dataset does not fit the model (400).</exception>
    public async Task<EvaluationView> Request(string modelName, int number, Guid datasetId, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var version = await db.RequireVersion(model, number, ct);
        var dataset = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == datasetId, ct)
            ?? throw Refusal.NotFound($"No dataset {datasetId}.");
        // Refused now rather than as a failed job: the same check the job makes, on the same file.
        var data = await datasets.Load(dataset.Id, ct);
        using (var loaded = InferenceModel.Load(await artifacts.ReadVerified(version.OnnxArtifact, ct), name: $"{model.Name} v{version.Number}"))
        {
            if (OnnxEvaluator.Misfit(loaded, data) is { } reason)
                throw Refusal.Invalid($"Version {version.Number} of '{model.Name}' cannot be evaluated on dataset '{dataset.Name}': {reason}.");
        }

        var evaluation = new VersionEvaluation
        {
            VersionId = version.Id,
            DatasetId = dataset.Id,
            CreatedBy = actor,
            CreatedAt = clock.GetUtcNow(),
        };
        var job = queue.Enqueue(db, JobKinds.Evaluation, new EvaluationPayload(evaluation.Id), actor);
        evaluation.JobId = job.Id;
        db.Add(evaluation);
        audit.Append(actor, "evaluation.request", "version", version.Id.ToString(), new
        {
            model = model.Name,
            version = version.Number,
            evaluationId = evaluation.Id,
            dataset = dataset.Name,
            jobId = job.Id,
        });
        await db.SaveChangesAsync(ct);
        return EvaluationViews.View(evaluation, model.Name, version.Number, dataset.Name, job);
    }

    /// <summary>The version's evaluations, newest first.</summary>
    public async Task<Page<EvaluationView>> List(string modelName, int number, PageRequest page, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var version = await db.RequireVersion(model, number, ct);
        var query = from e in db.Set<VersionEvaluation>().AsNoTracking()
                    join j in db.Jobs.AsNoTracking() on e.JobId equals j.Id
                    join d in db.Datasets.AsNoTracking() on e.DatasetId equals d.Id into ds
                    from d in ds.DefaultIfEmpty()
                    where e.VersionId == version.Id
                    orderby e.CreatedAt descending
                    select new { Evaluation = e, Job = j, Dataset = d == null ? null : d.Name };
        return await page.Apply(query, x => EvaluationViews.View(x.Evaluation, model.Name, version.Number, x.Dataset, x.Job), ct);
    }

    public async Task<EvaluationView> Get(Guid id, CancellationToken ct)
    {
        var found = await (from e in db.Set<VersionEvaluation>().AsNoTracking()
                           join j in db.Jobs.AsNoTracking() on e.JobId equals j.Id
                           join v in db.ModelVersions.AsNoTracking() on e.VersionId equals v.Id
                           join m in db.Models.AsNoTracking() on v.ModelId equals m.Id
                           where e.Id == id
                           select new { Evaluation = e, Job = j, Model = m.Name, v.Number }).FirstOrDefaultAsync(ct)
            ?? throw Refusal.NotFound($"No evaluation {id}.");
        var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == found.Evaluation.DatasetId).Select(d => d.Name).FirstOrDefaultAsync(ct);
        return EvaluationViews.View(found.Evaluation, found.Model, found.Number, dataset, found.Job);
    }
}
