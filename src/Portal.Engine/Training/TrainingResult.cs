using Portal.Engine.Models;

namespace Portal.Engine.Training;

public enum StopReason
{
    Completed,
    EarlyStopped,
    Paused,
}

/// <summary>The outcome of a run: the model to keep (the best epoch's when validation picked one) and the whole curve.</summary>
public sealed record TrainingResult(
    TrainedModel Model,
    IReadOnlyList<EpochMetrics> History,
    int BestEpoch,
    StopReason StopReason,
    double TrainingSeconds);
