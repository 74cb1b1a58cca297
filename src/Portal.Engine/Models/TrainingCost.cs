namespace Portal.Engine.Models;

/// <summary>
/// Multiply-adds one training sample costs in the layers that do matrix work (linear, conv, attention and the
/// recurrent gates), at any depth of blocks: the forward pass, the weight gradients, and the input gradients of
/// every layer but one that takes the input data itself (libtorch does not compute the gradient of the input
/// data). Batch norm, layer norm, activations, pooling and embedding look-ups are left out: they are
/// memory-bound and small. One multiply-add is two floating-point operations.
/// </summary>
public static class TrainingCost
{
    /// <summary>Floating-point operations per sample as executed, and by the usual "6 × forward" rule.</summary>
    public static (double Executed, double Conventional) FlopsPerSample(ModelSpec spec)
    {
        var layers = MatrixLayers(spec).ToList();
        var forward = layers.Sum(l => l.MultiplyAdds);
        var dataGradient = layers.Count > 0 && layers[0].TakesTheData ? layers[0].MultiplyAdds : 0;
        var executed = 2 * (forward + forward + (forward - dataGradient));
        var conventional = 2 * 3 * forward; // also counts the first layer's input gradient
        return (executed, conventional);
    }

    /// <summary>The forward multiply-adds of one sample in the costliest matrix layer (one encoder layer of a transformer block).</summary>
    public static double LargestLayerMultiplyAdds(ModelSpec spec) => MatrixLayers(spec).Select(l => l.MultiplyAdds).DefaultIfEmpty(0).Max();

    private readonly record struct MatrixLayer(double MultiplyAdds, bool TakesTheData);

    /// <summary>Every layer with matrix work, in the order shape inference visits them (a block before what it holds).</summary>
    private static IEnumerable<MatrixLayer> MatrixLayers(ModelSpec spec)
    {
        var shapes = spec.Infer().Blocks;
        var position = 0;
        var weightsBefore = false;
        foreach (var (layer, _) in LayerTree.PreOrder(spec))
        {
            var shape = shapes[position++];
            foreach (var multiplyAdds in MultiplyAdds(layer, shape.InputShape, shape.OutputShape))
            {
                yield return new MatrixLayer(multiplyAdds, !weightsBefore);
                weightsBefore = true;
            }
            // A block's parameters are those it holds, which the walk reaches next.
            if (layer is not (SequentialBlock or ResidualBlock) && shape.Parameters > 0) weightsBefore = true;
        }
    }

    private static IEnumerable<double> MultiplyAdds(LayerSpec layer, IReadOnlyList<int> input, IReadOnlyList<int> output)
    {
        switch (layer)
        {
            case LinearLayer:
                yield return Rows(input) * input[^1] * output[^1];
                break;
            case Conv2dLayer c:
                yield return (double)output[0] * input[0] * c.KernelSize * c.KernelSize * output[1] * output[2];
                break;
            case Conv1dLayer c:
                yield return (double)output[0] * output[1] * input[1] * c.KernelSize;
                break;
            case MultiHeadAttentionLayer:
                yield return Attention(input[0], input[1]);
                break;
            case TransformerEncoderBlock t:
                for (var i = 0; i < t.Layers; i++)
                    yield return Attention(input[0], input[1]) + 2.0 * input[0] * input[1] * t.FeedForward;
                break;
            case LstmLayer or GruLayer:
                foreach (var m in Recurrent(input, RecurrentSettings.Of(layer))) yield return m;
                break;
        }
    }

    private static double Rows(IReadOnlyList<int> input) => input.Take(input.Count - 1).Aggregate(1.0, (a, b) => a * b);

    /// <summary>Four projections of every step, then the scores and the weighted sum over every pair of steps.</summary>
    private static double Attention(int steps, int width) => 4.0 * steps * width * width + 2.0 * steps * steps * width;

    /// <summary>Per layer, every step's gates from the layer's input and the previous state, in each direction.</summary>
    private static IEnumerable<double> Recurrent(IReadOnlyList<int> input, RecurrentSettings recurrent)
    {
        for (var k = 0; k < recurrent.Layers; k++)
        {
            var inputWidth = k == 0 ? input[1] : recurrent.OutputWidth;
            yield return (double)recurrent.Directions * input[0] * recurrent.Gates * recurrent.HiddenSize * (inputWidth + recurrent.HiddenSize);
        }
    }
}
