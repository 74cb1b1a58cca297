using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Engine.Onnx;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Jobs;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// Imports of ONNX files as versions. The request checks what can be checked at once (the model, ONNX Runtime can
/// load the file, the same bytes are not already a version, class names, sizes and dataset fit), stores the upload
/// and queues the import job with it in one save; the job (<see cref="ImportJobHandler"/>) measures and records.
/// </summary>
public sealed class VersionImports(
    PortalDbContext db, EvaluationDatasets evaluationDatasets, EvidenceMeasurement evidence, ArtifactStore artifacts, JobQueue queue, AuditLog audit, TimeProvider clock)
{
    /// <exception cref="Refusal">No such model or dataset (404), the same bytes already imported (409), or a file, setting or dataset that does not fit (400).</exception>
    public async Task<ImportView> Request(string modelName, byte[] onnx, string fileName, ImportSettings settings, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        if (ImportRules.ClassNamesProblem(settings.ClassNames) is { } names) throw Refusal.Invalid($"classNames: {names}.");
        var sha = Convert.ToHexStringLower(SHA256.HashData(onnx));
        if (await ImportRules.ExistingVersion(db, model, sha, ct) is { } existing) throw Refusal.Conflict(ImportRules.Duplicate(model, existing, sha));
        if (await Pending(model, sha, ct) is { } pending)
            throw Refusal.Conflict($"This file (SHA-256 {sha}) is already being imported into model '{model.Name}' by job {pending}.");
        var data = settings.EvaluationDatasetId is { } id ? await evaluationDatasets.Load(id, ct) : null;
        try
        {
            using var loaded = evidence.Load(onnx, fileName);
            if (ImportRules.Conflict(loaded, settings) is { } conflict) throw Refusal.Invalid(conflict);
            if (ImportRules.Sizes(settings, loaded).Misfit(loaded.Inputs) is { } sizes) throw Refusal.Invalid($"dims: {sizes}.");
            if (data is not null && ImportRules.Misfit(loaded, settings, data) is { } misfit) throw Refusal.Invalid(misfit);
        }
        catch (Exception e) when (e is OnnxFormatException or ArgumentException)
        {
            throw Refusal.Invalid(e.Message, e);
        }

        return await artifacts.Keep(db, files => files.Write(onnx, VersionArtifacts.OnnxMediaType, ct), async stored =>
        {
            var import = new VersionImport
            {
                ModelId = model.Id,
                FileName = fileName,
                OnnxArtifact = stored.Sha256,
                Size = stored.Size,
                SettingsJson = ImportRules.Serialize(settings),
                CreatedBy = actor,
                CreatedAt = clock.GetUtcNow(),
            };
            var job = queue.Enqueue(db, JobKinds.Import, new ImportPayload(import.Id), actor);
            import.JobId = job.Id;
            db.Imports.Add(import);
            audit.Append(actor, "version.import.request", "model", model.Id.ToString(), new
            {
                model = model.Name,
                importId = import.Id,
                fileName,
                onnx = stored.Sha256,
                size = stored.Size,
                jobId = job.Id,
                settings.EvaluationDatasetId,
            });
            await db.SaveChangesAsync(ct);
            return View(model, import, job, null);
        }, ct);
    }

    public async Task<ImportView> Get(string modelName, Guid id, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var jobId = await db.Imports.AsNoTracking().Where(i => i.Id == id && i.ModelId == model.Id).Select(i => (Guid?)i.JobId).FirstOrDefaultAsync(ct)
            ?? throw Refusal.NotFound($"Model '{model.Name}' has no import {id}.");
        // The job before the import: its version is saved before the job is recorded Succeeded, so a succeeded job's import names it.
        var job = await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == jobId, ct);
        var import = await db.Imports.AsNoTracking().FirstAsync(i => i.Id == id, ct);
        int? version = import.VersionId is { } versionId
            ? await db.ModelVersions.AsNoTracking().Where(v => v.Id == versionId).Select(v => (int?)v.Number).FirstOrDefaultAsync(ct)
            : null;
        return View(model, import, job, version);
    }

    /// <summary>The queued or running import job of the same bytes into the model, if any.</summary>
    private async Task<Guid?> Pending(RegisteredModel model, string sha, CancellationToken ct) =>
        await db.Imports.AsNoTracking()
            .Where(i => i.ModelId == model.Id && i.OnnxArtifact == sha)
            .Join(db.Jobs.Where(j => j.State == JobState.Queued || j.State == JobState.Running || j.State == JobState.Interrupted), i => i.JobId, j => j.Id, (i, j) => (Guid?)j.Id)
            .FirstOrDefaultAsync(ct);

    private static ImportView View(RegisteredModel model, VersionImport import, JobRecord job, int? version) => new(
        import.Id, model.Name, import.FileName, import.OnnxArtifact, import.Size, job.Id, job.State, job.Progress, job.Error, version, import.CreatedBy, import.CreatedAt);
}
