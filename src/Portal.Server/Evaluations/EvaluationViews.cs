using System.Text.Json;
using Portal.Contracts.Evaluations;
using Portal.Server.Jobs;

namespace Portal.Server.Evaluations;

/// <summary>Evaluations as the API shows them (the records are Portal.Contracts').</summary>
public static class EvaluationViews
{
    public static EvaluationView View(VersionEvaluation e, string model, int number, string? dataset, JobRecord job) => new(
        e.Id, model, number, e.DatasetId, dataset, job.Id, job.State, job.Progress, job.Error,
        e.Accuracy, e.ReportJson is null ? null : JsonSerializer.Deserialize<ClassificationReport>(e.ReportJson, JsonSerializerOptions.Web),
        e.CreatedBy, e.CreatedAt, e.CompletedAt);
}
