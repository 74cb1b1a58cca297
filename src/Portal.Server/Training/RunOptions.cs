using Portal.Engine.Data;
using Portal.Engine.Training;

namespace Portal.Server.Training;

/// <summary>
/// A run's hyper-parameters as a client sends them. Every field is optional; what is left out takes the engine's
/// default. <see cref="Standardization"/> is <c>perFeature</c> (default), <c>perChannel</c> or <c>none</c>.
/// </summary>
public sealed record RunOptions
{
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public OptimizerKind? Optimizer { get; init; }
    public double? LearningRate { get; init; }
    public double? WeightDecay { get; init; }
    public double? Momentum { get; init; }
    public LearningRateSchedule? Schedule { get; init; }
    public int? Seed { get; init; }
    public string? Standardization { get; init; }
    public ImageAugmentation? Augmentation { get; init; }
    public EarlyStopping? EarlyStopping { get; init; }
    public double? GradientClipNorm { get; init; }

    /// <summary>Default: cross-entropy for class labels, mean squared error for float targets.</summary>
    public LossKind? Loss { get; init; }

    /// <summary>The engine's options, checked by the engine; <see cref="ArgumentException"/> names a setting out of range.</summary>
    public TrainingOptions ToTrainingOptions(bool classification)
    {
        var defaults = new TrainingOptions();
        var optimizer = new OptimizerOptions();
        var options = new TrainingOptions
        {
            Epochs = Epochs ?? defaults.Epochs,
            BatchSize = BatchSize ?? defaults.BatchSize,
            Optimizer = optimizer with
            {
                Kind = Optimizer ?? optimizer.Kind,
                LearningRate = LearningRate ?? optimizer.LearningRate,
                WeightDecay = WeightDecay ?? optimizer.WeightDecay,
                Momentum = Momentum ?? optimizer.Momentum,
            },
            Schedule = Schedule ?? defaults.Schedule,
            Loss = Loss ?? (classification ? LossKind.CrossEntropy : LossKind.MeanSquaredError),
            GradientClipNorm = GradientClipNorm,
            Seed = Seed ?? defaults.Seed,
            Standardization = Standardization?.ToLowerInvariant() switch
            {
                null or "perfeature" => StandardizationMode.PerFeature,
                "perchannel" => StandardizationMode.PerChannel,
                "none" => null,
                _ => throw new ArgumentException($"standardization must be perFeature, perChannel or none, not '{Standardization}'."),
            },
            Augmentation = Augmentation is { ChangesImages: true } ? Augmentation : null,
            EarlyStopping = EarlyStopping,
        };
        options.Validate();
        return options;
    }
}
