using Portal.Engine.Models;

namespace Portal.Bench.Train;

/// <summary>
/// Multiply-adds one training sample costs in the layers that do matrix work (linear and conv): the forward
/// pass, the weight gradients, and the input gradients of every layer but the first (libtorch does not
/// compute the gradient of the input data). Batch norm, activations and pooling are left out: they are
/// memory-bound and small. One multiply-add is two floating-point operations.
/// </summary>
internal static class TrainingFlops
{
    public static (double Executed, double Conventional) PerSample(ModelSpec spec)
    {
        double forward = 0, firstLayer = -1;
        foreach (var layer in spec.Infer().Layers)
        {
            var macs = spec.Layers[layer.Index] switch
            {
                LinearLayer => (double)layer.InputShape[0] * layer.OutputShape[0],
                Conv2dLayer c => (double)layer.OutputShape[0] * layer.InputShape[0] * c.KernelSize * c.KernelSize * layer.OutputShape[1] * layer.OutputShape[2],
                _ => 0,
            };
            if (macs > 0 && firstLayer < 0) firstLayer = macs;
            forward += macs;
        }
        var executed = 2 * (forward + forward + (forward - firstLayer));
        var conventional = 2 * 3 * forward; // the usual "6 × forward" rule, which also counts the first layer's input gradient
        return (executed, conventional);
    }
}
