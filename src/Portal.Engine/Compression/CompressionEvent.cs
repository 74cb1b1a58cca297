using System.Text.Json.Serialization;
using Portal.Engine.Training;

namespace Portal.Engine.Compression;

/// <summary>What a compression job reports as it goes. <see cref="Timestamp"/> is <c>Stopwatch.GetTimestamp()</c> when the event was made.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CompressionStageStarted), "stage")]
[JsonDerivedType(typeof(CompressionTrainingProgress), "training")]
[JsonDerivedType(typeof(CompressionCompleted), "completed")]
public abstract record CompressionEvent(long Timestamp);

/// <summary>A new stage began: <c>pruning</c>, <c>fine-tuning</c>, <c>teacher</c>, <c>distilling</c>, <c>calibrating</c>, <c>quantizing</c>, <c>measuring</c>.</summary>
public sealed record CompressionStageStarted(long Timestamp, string Stage, string Detail) : CompressionEvent(Timestamp);

/// <summary>A step or epoch of the fine-tuning or distillation run (the training's own event).</summary>
public sealed record CompressionTrainingProgress(long Timestamp, TrainingEvent Training) : CompressionEvent(Timestamp);

public sealed record CompressionCompleted(long Timestamp, CompressionResult Result) : CompressionEvent(Timestamp);
