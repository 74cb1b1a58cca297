using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Training;

/// <summary>The training recipes that go with <see cref="ReadySpecs"/> where the defaults do not bring out the network.</summary>
public static class ReadyTraining
{
    /// <summary>
    /// <see cref="ReadySpecs.FashionResnet"/>: 10 epochs of AdamW under a one-cycle schedule, on images standardised
    /// per channel (so the crop's zero padding is the mean pixel), shifted by up to 2 pixels and mirrored.
    /// </summary>
    public static TrainingOptions FashionResnet { get; } = new()
    {
        Epochs = 10,
        BatchSize = 128,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 3e-3, WeightDecay = 0.05 },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.OneCycle },
        Standardization = StandardizationMode.PerChannel,
        Augmentation = new ImageAugmentation(CropPadding: 2, HorizontalFlip: true),
    };

    /// <summary>
    /// <see cref="ReadySpecs.TextTransformer"/>: AdamW under a one-cycle schedule (its warm-up keeps the attention from
    /// locking onto the first words it sees) in small batches, with the spec's own dropout; a few thousand texts
    /// overfit it within a few epochs more.
    /// </summary>
    public static TrainingOptions TextTransformer { get; } = new()
    {
        Epochs = 12,
        BatchSize = 32,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0.01 },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.OneCycle },
        Standardization = null,
    };

    /// <summary>The recipe for the ready spec named <paramref name="specName"/>, or null where the defaults serve.</summary>
    public static TrainingOptions? For(string specName) =>
        specName == ReadySpecs.FashionResnet.Name ? FashionResnet
        : specName == ReadySpecs.TextTransformer.Name ? TextTransformer
        : null;
}
