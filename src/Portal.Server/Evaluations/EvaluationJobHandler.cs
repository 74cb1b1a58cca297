using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Evaluations;

/// <summary>
/// Runs an evaluation job: the version's ONNX file (hash-checked) through ONNX Runtime over the dataset, so the
/// figures are those of the artifact that is served. Nothing is kept until the report is complete, so a job that
/// fails, is cancelled or interrupted leaves no partial figures; a resumed job starts over.
/// </summary>
public sealed class EvaluationJobHandler(IServiceScopeFactory scopes, DatasetLoader datasets, ArtifactStore artifacts, TimeProvider clock) : IJobHandler
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public string Kind => JobKinds.Evaluation;

    public async Task Run(JobExecution job, CancellationToken ct)
    {
        var evaluationId = job.ReadPayload<EvaluationPayload>().EvaluationId;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var evaluation = await db.Set<VersionEvaluation>().FirstOrDefaultAsync(e => e.Id == evaluationId, ct)
            ?? throw new InvalidOperationException($"Evaluation job {job.JobId} names evaluation {evaluationId}, which does not exist.");
        var version = await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Id == evaluation.VersionId, ct)
            ?? throw new InvalidOperationException($"Evaluation {evaluationId} names version {evaluation.VersionId}, which does not exist.");
        var model = await db.Models.AsNoTracking().FirstAsync(m => m.Id == version.ModelId, ct);
        var data = await datasets.Load(evaluation.DatasetId, ct);
        var onnx = await artifacts.ReadVerified(version.OnnxArtifact, ct);
        await job.ReportProgress(0.1);

        using var loaded = InferenceModel.Load(onnx, name: $"{model.Name} v{version.Number}");
        if (OnnxEvaluator.Misfit(loaded, data) is { } reason)
            throw new InvalidOperationException($"Version {version.Number} of '{model.Name}' cannot be evaluated on dataset '{data.Name}': {reason}.");
        var report = await Task.Run(() => OnnxEvaluator.Evaluate(loaded, data, ct), ct);

        evaluation.Accuracy = report.Accuracy;
        evaluation.ReportJson = JsonSerializer.Serialize(report, s_json);
        evaluation.CompletedAt = clock.GetUtcNow();
        scope.ServiceProvider.GetRequiredService<AuditLog>().Append("system", "version.evaluate", "version", version.Id.ToString(), new
        {
            model = model.Name,
            version = version.Number,
            evaluationId,
            datasetId = evaluation.DatasetId,
            dataset = data.Name,
            samples = data.Count,
            report.Accuracy,
        });
        // The figures and their audit event are one save; past this point a cancel no longer undoes the evaluation.
        await db.SaveChangesAsync(CancellationToken.None);
    }
}
