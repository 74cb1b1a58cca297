namespace Portal.Server.Training;

/// <summary>
/// Published on <c>run:{id}</c> after every optimiser step; a lagging viewer gets the min/max/last of a stretch of
/// steps by loss. <see cref="CompletedAt"/> is the engine's wall-clock time of the step, so a viewer on the same
/// clock can tell how long the point took to reach its screen.
/// </summary>
public sealed record RunStepEvent(
    Guid RunId, int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double SamplesPerSecond, DateTimeOffset CompletedAt)
    : Live.ILiveSample
{
    double Live.ILiveSample.SampleValue => Loss;
}

/// <summary>One stored epoch of a run's curve: the <c>epoch</c> event on <c>run:{id}</c> and an item of GET /runs/{id}/metrics.</summary>
public sealed record RunEpochView(
    int Epoch, double TrainLoss, double? TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double LearningRate, double Seconds, double SamplesPerSecond)
{
    public static RunEpochView Of(RunEpochMetric m) =>
        new(m.Epoch, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy, m.LearningRate, m.Seconds, m.SamplesPerSecond);
}
