using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>
/// The two places a compression recipe changes the training loop: the loss of a batch, and the weights right
/// after each optimiser step. Both run on the training thread inside the batch's dispose scope.
/// </summary>
internal abstract class TrainingHooks
{
    /// <summary>
    /// The batch's loss, or null for the options' own. <paramref name="sampleIndices"/> (int64) are the batch's
    /// positions in the training set, in batch order; <paramref name="mirrored"/> (bool, batch order) says which samples
    /// the augmentation flipped, or is null when the options do not flip.
    /// </summary>
    public virtual Tensor? Loss(Tensor output, Tensor target, Tensor sampleIndices, Tensor? mirrored) => null;

    /// <summary>Called under no_grad after optimiser step <paramref name="step"/> (1-based) of <paramref name="totalSteps"/>.</summary>
    public virtual void AfterStep(Sequential network, long step, long totalSteps)
    {
    }
}
