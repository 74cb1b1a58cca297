using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Artifacts;
using Portal.Server.Jobs;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// Runs an import job: the stored upload (hash-checked) measured and recorded as the model's next version by
/// <see cref="VersionRegistration.FromImport"/>. Nothing is recorded until the version is saved with its evidence,
/// so a job that fails leaves no version; a job that fails or is cancelled for good also removes its upload, unless
/// a version, a run or another import holds the same bytes. A resumed job starts over.
/// </summary>
public sealed class ImportJobHandler(IServiceScopeFactory scopes, ArtifactStore artifacts, ILogger<ImportJobHandler> log) : IJobHandler
{
    public string Kind => JobKinds.Import;

    public async Task Run(JobExecution job, CancellationToken ct)
    {
        var importId = job.ReadPayload<ImportPayload>().ImportId;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var import = await db.Imports.FirstOrDefaultAsync(i => i.Id == importId, ct)
            ?? throw new InvalidOperationException($"Import job {job.JobId} names import {importId}, which does not exist.");
        // A resumed job whose version was saved before the process stopped has nothing left to do.
        if (import.VersionId is { } done && await db.ModelVersions.AnyAsync(v => v.Id == done, ct)) return;
        var onnx = await artifacts.ReadVerified(import.OnnxArtifact, ct);
        await job.ReportProgress(0.1);
        var registration = scope.ServiceProvider.GetRequiredService<VersionRegistration>();
        await registration.FromImport(import, onnx, job.ReportProgress, job.CreatedBy, ct);
    }

    public void Release(JobRecord job)
    {
        var importId = JobQueue.ReadPayload<ImportPayload>(job.Payload).ImportId;
        try
        {
            DropUpload(importId).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            log.LogWarning(e, "The upload of import {Import} (job {Job}) could not be removed.", importId, job.Id);
        }
    }

    private async Task DropUpload(Guid importId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var import = await db.Imports.AsNoTracking().FirstOrDefaultAsync(i => i.Id == importId);
        if (import is null || import.VersionId is not null) return;
        var sha = import.OnnxArtifact;
        await artifacts.Discard(db, sha, async ct =>
            await db.ModelVersions.AnyAsync(v => v.OnnxArtifact == sha || v.WeightsArtifact == sha, ct)
            || await db.Runs.AnyAsync(r => r.OnnxArtifact == sha || r.WeightsArtifact == sha, ct)
            || await db.Imports.Where(i => i.Id != importId && i.OnnxArtifact == sha)
                .Join(db.Jobs.Where(j => j.State != JobState.Failed && j.State != JobState.Cancelled), i => i.JobId, j => j.Id, (i, j) => j.Id)
                .AnyAsync(ct), CancellationToken.None);
    }
}
