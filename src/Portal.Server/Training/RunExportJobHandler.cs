using Microsoft.EntityFrameworkCore;
using Portal.Engine.Models;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Jobs;
using Portal.Server.Persistence;

namespace Portal.Server.Training;

/// <summary>What an export job runs.</summary>
public sealed record RunExportPayload(Guid RunId);

/// <summary>
/// Runs an export job: a succeeded run's kept weights to ONNX (standardisation folded in, class labels, the run id
/// and a text run's tokenizer in the metadata), written to the artifact store and recorded on the run in one save. The store is
/// content-addressed, so exporting again (or a resumed job) yields the same file.
/// </summary>
public sealed class RunExportJobHandler(IServiceScopeFactory scopes, ArtifactStore artifacts) : IJobHandler
{
    public string Kind => JobKinds.Export;

    public string? Topic(JobRecord job) => TrainingJobHandler.RunTopic(JobQueue.ReadPayload<RunExportPayload>(job.Payload).RunId);

    public async Task Run(JobExecution job, CancellationToken ct)
    {
        var runId = job.ReadPayload<RunExportPayload>().RunId;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct)
            ?? throw new InvalidOperationException($"Export job {job.JobId} names run {runId}, which does not exist.");
        if (run.WeightsArtifact is not { } weightsSha)
            throw new InvalidOperationException($"Run '{run.Name}' ({run.Id}) has no weights to export.");
        var classNames = await db.Datasets.AsNoTracking().Where(d => d.Id == run.DatasetId).Select(d => d.ClassNames).FirstOrDefaultAsync(ct) ?? [];
        var file = SafetensorsReader.Read(await artifacts.ReadVerified(weightsSha, ct));
        var weights = file.Weights;
        var tokenizer = file.Metadata.GetValueOrDefault(Portal.Engine.Onnx.OnnxMetadataKeys.Tokenizer);
        var standardization = RunModelFiles.Standardization(run.StandardizationJson);
        await job.ReportProgress(0.3);

        var onnx = await Task.Run(() => RunModelFiles.Onnx(ModelSpec.FromJson(run.SpecJson), weights, standardization, classNames, run.Id, tokenizer), ct);
        ct.ThrowIfCancellationRequested();

        // From here the file and its record are written together, not cancellable, so no file is left unreferenced.
        await artifacts.Keep(db, files => files.Write(onnx, Registry.VersionArtifacts.OnnxMediaType, CancellationToken.None), async stored =>
        {
            run.OnnxArtifact = stored.Sha256;
            scope.ServiceProvider.GetRequiredService<AuditLog>().Append("system", "run.export", "run", run.Id.ToString(), new
            {
                jobId = job.JobId,
                onnx = stored.Sha256,
                stored.Size,
            });
            await db.SaveChangesAsync(CancellationToken.None);
            return stored;
        }, CancellationToken.None);
    }
}
