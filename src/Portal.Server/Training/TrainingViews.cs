using System.Text.Json;
using Portal.Contracts.Training;

namespace Portal.Server.Training;

/// <summary>Runs and their curves as the API and the live feed show them (the records are Portal.Contracts').</summary>
public static class TrainingViews
{
    public static RunView View(TrainingService.RunWithJob x)
    {
        var (r, j) = x;
        return new RunView(
            r.Id, r.Name, r.DatasetId, r.ValidationDatasetId, Json(r.SpecJson), Json(r.OptionsJson),
            j.Id, j.State, j.Progress, j.Error, j.Attempts,
            r.CreatedBy, r.CreatedAt, j.StartedAt, j.FinishedAt,
            r.WeightsArtifact, r.OnnxArtifact, r.ExportJobId, r.BestEpoch, r.StopReason, x.FineTunedFrom);
    }

    public static RunEpochView View(RunEpochMetric m) =>
        new(m.Epoch, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy, m.LearningRate, m.Seconds, m.SamplesPerSecond);

    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);
}
