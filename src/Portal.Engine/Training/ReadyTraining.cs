using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Training;

/// <summary>The training recipes that go with <see cref="ReadySpecs"/> where the defaults do not bring out the network.</summary>
public static class ReadyTraining
{
    /// <summary>
    /// <see cref="ReadySpecs.FashionResnet"/>: 10 epochs of AdamW under a one-cycle schedule, on images standardised
    /// per channel and mirrored. No shifting crop: in 10 epochs the network underfits with it.
    /// </summary>
    public static TrainingOptions FashionResnet { get; } = new()
    {
        Epochs = 10,
        BatchSize = 128,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 3e-3, WeightDecay = 0.05 },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.OneCycle },
        Standardization = StandardizationMode.PerChannel,
        Augmentation = new ImageAugmentation(CropPadding: 0, HorizontalFlip: true),
    };

    /// <summary>
    /// <see cref="ReadySpecs.TextTransformer"/>: 6 epochs of AdamW under a one-cycle schedule (its warm-up lets a high
    /// peak rate start safely), batch 64, with the spec's own dropout; a few thousand texts overfit it within a few
    /// epochs more. Token ids are never standardised.
    /// </summary>
    public static TrainingOptions TextTransformer { get; } = new()
    {
        Epochs = 6,
        BatchSize = 64,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 5e-3, WeightDecay = 0.01 },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.OneCycle },
        Standardization = null,
    };

    /// <summary>The recipe for the ready spec named <paramref name="specName"/>, or null where the defaults serve.</summary>
    public static TrainingOptions? For(string specName) =>
        specName == ReadySpecs.FashionResnet.Name ? FashionResnet
        : specName == ReadySpecs.TextTransformer.Name ? TextTransformer
        : null;
}
