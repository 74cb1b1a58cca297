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
