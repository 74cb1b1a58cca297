using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Compression;

/// <summary>
/// A spec in the form the int8 graph is written from: each linear or convolution layer with the batch norm after
/// it folded into its weights and bias (w·γ/√(σ²+ε), (b − μ)·γ/√(σ²+ε) + β) and a following ReLU attached;
/// pooling, flatten and standalone ReLU pass through; dropout vanishes. Anything else cannot be quantised.
/// </summary>
internal sealed record FoldedNetwork(IReadOnlyList<FoldedOp> Ops)
{
    public const string SupportedLayers = "linear, conv2d, batchnorm1d/2d right after linear/conv2d, relu, maxpool2d, avgpool2d, flatten, dropout";

    public IEnumerable<WeightOp> WeightOps => Ops.OfType<WeightOp>();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first layer an int8 graph cannot hold.</summary>
    public static void CheckSupported(ModelSpec spec)
    {
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var ok = layer switch
            {
                LinearLayer or Conv2dLayer or ReLULayer or MaxPool2dLayer or AvgPool2dLayer or FlattenLayer or DropoutLayer => true,
                BatchNorm1dLayer or BatchNorm2dLayer => PreviousNonDropout(spec, i) is LinearLayer or Conv2dLayer,
                _ => false,
            };
            if (!ok)
            {
                var why = layer switch
                {
                    BatchNorm1dLayer or BatchNorm2dLayer => "a batch norm that does not follow a linear or conv2d layer cannot be folded",
                    SequentialBlock or ResidualBlock => $"the block at layers[{i}] has no int8 form here (int8 graphs are written from a flat list of layers, without blocks or their sums)",
                    _ => "it has no int8 form here",
                };
                throw new ArgumentException($"Layer {i} ({layer.Kind}) of '{spec.Name}' cannot be quantized: {why}. Int8 graphs support {SupportedLayers}.");
            }
        }
    }

    public static FoldedNetwork Fold(ModelSpec spec, ModelWeights weights)
    {
        CheckSupported(spec);
        var report = spec.Infer();
        var ops = new List<FoldedOp>();
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            switch (layer)
            {
                case LinearLayer or Conv2dLayer:
                    {
                        var weight = weights[$"{i}.weight"];
                        var units = weight.Shape[0];
                        var w = weight.Data.ToArray();
                        var b = weights.TryGet($"{i}.bias", out var bias) ? bias.Data.ToArray() : new float[units];
                        var last = i;
                        var next = NextNonDropout(spec, i);
                        if (next >= 0 && spec.Layers[next] is BatchNorm1dLayer or BatchNorm2dLayer)
                        {
                            FoldBatchNorm(w, b, weights, next, spec.Layers[next] is BatchNorm2dLayer b2 ? b2.Eps : ((BatchNorm1dLayer)spec.Layers[next]).Eps);
                            last = next;
                            next = NextNonDropout(spec, next);
                        }
                        var relu = next >= 0 && spec.Layers[next] is ReLULayer;
                        if (relu) last = next;
                        ops.Add(new WeightOp(i, layer, [.. weight.Shape], w, b, relu, last, report.Layers[i].InputShape));
                        i = last;
                        break;
                    }
                case DropoutLayer:
                    break;
                default:
                    ops.Add(new PassOp(i, layer));
                    break;
            }
        }
        return new FoldedNetwork(ops);
    }

    private static void FoldBatchNorm(float[] w, float[] b, ModelWeights weights, int index, double eps)
    {
        var gamma = weights[$"{index}.weight"].Data;
        var beta = weights[$"{index}.bias"].Data;
        var mean = weights[$"{index}.running_mean"].Data;
        var variance = weights[$"{index}.running_var"].Data;
        var per = w.Length / b.Length;
        for (var u = 0; u < b.Length; u++)
        {
            var factor = gamma[u] / Math.Sqrt(variance[u] + eps);
            for (var j = 0; j < per; j++) w[u * per + j] = (float)(w[u * per + j] * factor);
            b[u] = (float)((b[u] - mean[u]) * factor + beta[u]);
        }
    }

    private static int NextNonDropout(ModelSpec spec, int index)
    {
        for (var j = index + 1; j < spec.Layers.Count; j++)
            if (spec.Layers[j] is not DropoutLayer) return j;
        return -1;
    }

    private static LayerSpec? PreviousNonDropout(ModelSpec spec, int index)
    {
        for (var j = index - 1; j >= 0; j--)
            if (spec.Layers[j] is not DropoutLayer) return spec.Layers[j];
        return null;
    }
}

/// <summary>One node group of the folded network; its output is the spec's value after layer <see cref="LastLayer"/>.</summary>
internal abstract record FoldedOp(int Layer, LayerSpec Spec)
{
    public virtual int LastLayer => Layer;
}

internal sealed record WeightOp(int Layer, LayerSpec Spec, int[] WeightShape, float[] Weight, float[] Bias, bool Relu, int Last, IReadOnlyList<int> InputShape)
    : FoldedOp(Layer, Spec)
{
    public override int LastLayer => Last;
}

internal sealed record PassOp(int Layer, LayerSpec Spec) : FoldedOp(Layer, Spec);
