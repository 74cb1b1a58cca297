using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Training;

/// <summary>
/// What to train. <see cref="ResumeFrom"/> names a checkpoint directory written by an earlier run with the
/// same spec, data and options; the run then continues after the checkpoint's epoch and yields the same
/// curve an uninterrupted run would.
/// </summary>
public sealed record TrainingRequest(ModelSpec Spec, Dataset Train, Dataset? Validation, TrainingOptions Options)
{
    public string? ResumeFrom { get; init; }

    /// <summary>
    /// Stop after this epoch's checkpoint, as if pre-empted, without changing the plan (schedule and epochs
    /// stay those of <see cref="TrainingOptions.Epochs"/>); resuming from the checkpoint finishes the plan.
    /// </summary>
    public int? PauseAfterEpoch { get; init; }

    /// <summary>Start from these weights instead of a seeded random initialisation (fine-tuning).</summary>
    public ModelWeights? InitialWeights { get; init; }

    /// <summary>Start from a trained model: its weights (with a new head where the classes differ) and its standardisation.</summary>
    public FineTuning? FineTuning { get; init; }

    /// <summary>Engine-internal changes to the loop (compression: pruning masks, distillation loss); null trains plainly.</summary>
    internal TrainingHooks? Hooks { get; init; }

    /// <summary>Statistics to keep instead of fitting new ones (fine-tuning keeps its parent's input standardisation).</summary>
    internal FeatureStandardization? FixedStandardization { get; init; }
}
