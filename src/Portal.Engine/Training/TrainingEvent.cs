using System.Text.Json.Serialization;

namespace Portal.Engine.Training;

/// <summary>What a training run reports as it goes. <see cref="Timestamp"/> is <c>Stopwatch.GetTimestamp()</c> when the event was made.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(StepCompleted), "step")]
[JsonDerivedType(typeof(EpochCompleted), "epoch")]
[JsonDerivedType(typeof(TrainingCompleted), "completed")]
public abstract record TrainingEvent(long Timestamp);

/// <param name="Step">Global optimiser step, 1-based.</param>
/// <param name="CompletedAt">
/// Wall-clock time the step completed (UTC, 100 ns ticks): unlike <see cref="TrainingEvent.Timestamp"/> it means the
/// same in another process on the machine, so a viewer can time the step from the engine to its screen.
/// </param>
public sealed record StepCompleted(
    long Timestamp, int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double SamplesPerSecond, DateTimeOffset CompletedAt)
    : TrainingEvent(Timestamp);

public sealed record EpochCompleted(long Timestamp, EpochMetrics Metrics) : TrainingEvent(Timestamp);

public sealed record TrainingCompleted(long Timestamp, TrainingResult Result) : TrainingEvent(Timestamp);

/// <summary>One epoch's figures; validation figures are null without a validation set.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double? TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    double Seconds,
    double SamplesPerSecond);
