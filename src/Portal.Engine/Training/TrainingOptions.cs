using System.Text.Json.Serialization;
using Portal.Engine.Data;

namespace Portal.Engine.Training;

[JsonConverter(typeof(JsonStringEnumConverter<LossKind>))]
public enum LossKind
{
    CrossEntropy,
    MeanSquaredError,
}

[JsonConverter(typeof(JsonStringEnumConverter<MonitoredMetric>))]
public enum MonitoredMetric
{
    ValidationLoss,
    ValidationAccuracy,
}

/// <summary>Stop when the monitored validation metric has not improved by more than MinDelta for Patience epochs.</summary>
public sealed record EarlyStopping(MonitoredMetric Metric = MonitoredMetric.ValidationLoss, int Patience = 3, double MinDelta = 0);

public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 128;
    public OptimizerOptions Optimizer { get; init; } = new();
    public LearningRateSchedule Schedule { get; init; } = new();
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>Clip the global L2 norm of the gradients to this value; null leaves them alone.</summary>
    public double? GradientClipNorm { get; init; }

    public int Seed { get; init; } = 42;

    /// <summary>Fitted on the training split only; null trains on raw features. A token spec ignores it: ids are categories.</summary>
    public StandardizationMode? Standardization { get; init; } = StandardizationMode.PerFeature;

    public ImageAugmentation? Augmentation { get; init; }
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Where each epoch's checkpoint is written (atomically); null keeps none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range; the trainer calls it too.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"Epochs must be positive, not {Epochs}.");
        if (BatchSize <= 0) throw new ArgumentException($"Batch size must be positive, not {BatchSize}.");
        if (GradientClipNorm is <= 0) throw new ArgumentException($"The gradient clip norm must be positive, not {GradientClipNorm}.");
        if (EarlyStopping is { Patience: <= 0 }) throw new ArgumentException($"Early-stopping patience must be positive, not {EarlyStopping.Patience}.");
        Optimizer.Validate();
        Schedule.Validate();
    }
}
