namespace Portal.Engine.Models;

/// <summary>
/// Multiply-adds one training sample costs in the layers that do matrix work (linear and conv, inside blocks too): the forward
/// pass, the weight gradients, and the input gradients of every layer but the first (libtorch does not
/// compute the gradient of the input data). Batch norm, activations and pooling are left out: they are
/// memory-bound and small. One multiply-add is two floating-point operations.
/// </summary>
public static class TrainingCost
{
    /// <summary>Floating-point operations per sample as executed, and by the usual "6 × forward" rule.</summary>
    public static (double Executed, double Conventional) FlopsPerSample(ModelSpec spec)
    {
        var layers = MultiplyAddsPerLayer(spec).Where(m => m > 0).ToList();
        var forward = layers.Sum();
        var firstLayer = layers.Count == 0 ? 0 : layers[0];
        var executed = 2 * (forward + forward + (forward - firstLayer));
        var conventional = 2 * 3 * forward; // also counts the first layer's input gradient
        return (executed, conventional);
    }

    /// <summary>The forward multiply-adds of one sample in the costliest linear or conv layer.</summary>
    public static double LargestLayerMultiplyAdds(ModelSpec spec) => MultiplyAddsPerLayer(spec).DefaultIfEmpty(0).Max();

    /// <summary>Every linear and conv layer at any depth, in the order shape inference visits them (the first one first).</summary>
    private static IEnumerable<double> MultiplyAddsPerLayer(ModelSpec spec) =>
        spec.Infer().Blocks.Zip(LayerTree.PreOrder(spec), (shape, entry) => entry.Layer switch
        {
            LinearLayer l => shape.InputShape.Aggregate(1.0, (product, d) => product * d) * l.OutFeatures,
            Conv2dLayer c => (double)shape.OutputShape[0] * shape.InputShape[0] * c.KernelSize * c.KernelSize * shape.OutputShape[1] * shape.OutputShape[2],
            _ => 0,
        });
}
