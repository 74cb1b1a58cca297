using Portal.Engine.Models;
using Portal.Engine.Onnx.Protobuf;
using Portal.Engine.Weights;

namespace Portal.Engine.Onnx;

/// <summary>
/// Turns one layer of a spec into opset-17 nodes, in its inference form: batch norm uses its running
/// statistics, dropout is the identity and writes no node.
/// </summary>
internal static class LayerLowering
{
    /// <summary>Emits the nodes of layer <paramref name="index"/> applied to <paramref name="input"/>; returns the name of its output.</summary>
    public static string Emit(GraphBuilder graph, int index, LayerSpec layer, LayerShape shape, ModelWeights weights, string input)
    {
        var tensors = new LayerTensors(index, layer, weights);
        var hint = $"{index}.{layer.Kind}";
        switch (layer)
        {
            case LinearLayer l:
                {
                    var w = tensors.Add(graph, "weight", l.OutFeatures, shape.InputShape[0]);
                    string[] inputs = l.Bias ? [input, w, tensors.Add(graph, "bias", l.OutFeatures)] : [input, w];
                    return graph.AddNode("Gemm", inputs, hint, GraphBuilder.Attribute("transB", 1L));
                }

            case Conv2dLayer c:
                {
                    var w = tensors.Add(graph, "weight", c.OutChannels, shape.InputShape[0], c.KernelSize, c.KernelSize);
                    string[] inputs = c.Bias ? [input, w, tensors.Add(graph, "bias", c.OutChannels)] : [input, w];
                    return graph.AddNode("Conv", inputs, hint,
                        GraphBuilder.Attribute("kernel_shape", c.KernelSize, c.KernelSize),
                        GraphBuilder.Attribute("strides", c.Stride, c.Stride),
                        GraphBuilder.Attribute("pads", c.Padding, c.Padding, c.Padding, c.Padding),
                        GraphBuilder.Attribute("dilations", 1L, 1L),
                        GraphBuilder.Attribute("group", 1L));
                }

            case MaxPool2dLayer m:
                return graph.AddNode("MaxPool", [input], hint, PoolAttributes(m.KernelSize, m.Stride ?? m.KernelSize));

            case AvgPool2dLayer a:
                return graph.AddNode("AveragePool", [input], hint, PoolAttributes(a.KernelSize, a.Stride ?? a.KernelSize));

            case BatchNorm1dLayer b:
                return BatchNorm(graph, tensors, input, hint, shape.InputShape[0], b.Eps);

            case BatchNorm2dLayer b:
                return BatchNorm(graph, tensors, input, hint, shape.InputShape[0], b.Eps);

            case DropoutLayer:
                return input;

            case ReLULayer:
                return graph.AddNode("Relu", [input], hint);

            case LeakyReLULayer r:
                return graph.AddNode("LeakyRelu", [input], hint, GraphBuilder.Attribute("alpha", (float)r.NegativeSlope));

            case GELULayer:
                return Gelu(graph, input, hint);

            case TanhLayer:
                return graph.AddNode("Tanh", [input], hint);

            case SigmoidLayer:
                return graph.AddNode("Sigmoid", [input], hint);

            case FlattenLayer:
                return graph.AddNode("Flatten", [input], hint, GraphBuilder.Attribute("axis", 1L));

            default:
                throw new ModelSpecException($"Layer {index} ({layer.Kind}) has no ONNX export.");
        }
    }

    /// <summary>
    /// Layer <paramref name="index"/>, a linear layer, with per-feature standardisation folded into it:
    /// W' = W / σ (per input column) and b' = b − W'·μ, so the layer takes raw features in one Gemm.
    /// </summary>
    public static string EmitStandardizedLinear(GraphBuilder graph, int index, LinearLayer layer, LayerShape shape, ModelWeights weights, string input, float[] mean, float[] std)
    {
        var tensors = new LayerTensors(index, layer, weights);
        var inFeatures = shape.InputShape[0];
        var weight = tensors.Get("weight", layer.OutFeatures, inFeatures);
        var bias = layer.Bias ? tensors.Get("bias", layer.OutFeatures) : new float[layer.OutFeatures];
        var foldedWeight = new float[weight.Length];
        var foldedBias = new float[layer.OutFeatures];
        for (var o = 0; o < layer.OutFeatures; o++)
        {
            // The bias absorbs the rounded weights, so the layer computes Σ (x − μ)·W' + b exactly as folded.
            var accumulated = (double)bias[o];
            for (var j = 0; j < inFeatures; j++)
            {
                var folded = (float)((double)weight[o * inFeatures + j] / std[j]);
                foldedWeight[o * inFeatures + j] = folded;
                accumulated -= (double)folded * mean[j];
            }
            foldedBias[o] = (float)accumulated;
        }
        var w = graph.AddInitializer($"{index}.weight.standardized", foldedWeight, [layer.OutFeatures, inFeatures]);
        var b = graph.AddInitializer($"{index}.bias.standardized", foldedBias, [layer.OutFeatures]);
        return graph.AddNode("Gemm", [input, w, b], $"{index}.{layer.Kind}", GraphBuilder.Attribute("transB", 1L));
    }

    private static AttributeProto[] PoolAttributes(int kernel, int stride) =>
    [
        GraphBuilder.Attribute("kernel_shape", kernel, kernel),
        GraphBuilder.Attribute("strides", stride, stride),
        GraphBuilder.Attribute("pads", 0L, 0L, 0L, 0L),
    ];

    private static string BatchNorm(GraphBuilder graph, LayerTensors tensors, string input, string hint, int channels, double eps)
    {
        // Inputs in ONNX order: X, scale (gamma), B (beta), input_mean, input_var. training_mode defaults to 0.
        var scale = tensors.Add(graph, "weight", channels);
        var bias = tensors.Add(graph, "bias", channels);
        var mean = tensors.Add(graph, "running_mean", channels);
        var variance = tensors.Add(graph, "running_var", channels);
        return graph.AddNode("BatchNormalization", [input, scale, bias, mean, variance], hint,
            GraphBuilder.Attribute("epsilon", (float)eps));
    }

    // Opset 17 has no Gelu operator: the exact (erf) form, 0.5 · x · (1 + erf(x / √2)), as PyTorch computes it.
    private static string Gelu(GraphBuilder graph, string input, string hint)
    {
        var sqrt2 = graph.AddScalar($"{hint}.sqrt2", MathF.Sqrt(2f));
        var one = graph.AddScalar($"{hint}.one", 1f);
        var half = graph.AddScalar($"{hint}.half", 0.5f);
        var scaled = graph.AddNode("Div", [input, sqrt2], $"{hint}.scaled");
        var erf = graph.AddNode("Erf", [scaled], $"{hint}.erf");
        var shifted = graph.AddNode("Add", [erf, one], $"{hint}.shifted");
        var gated = graph.AddNode("Mul", [input, shifted], $"{hint}.gated");
        return graph.AddNode("Mul", [gated, half], hint);
    }

    /// <summary>The named weights of one layer, checked against the shapes the layer needs.</summary>
    private readonly struct LayerTensors(int index, LayerSpec layer, ModelWeights weights)
    {
        public string Add(GraphBuilder graph, string suffix, params int[] expectedShape) =>
            graph.AddInitializer($"{index}.{suffix}", Get(suffix, expectedShape), [.. expectedShape.Select(d => (long)d)]);

        public float[] Get(string suffix, params int[] expectedShape)
        {
            var name = $"{index}.{suffix}";
            var expected = $"[{string.Join(',', expectedShape)}]";
            if (!weights.TryGet(name, out var tensor))
                throw new ArgumentException($"Layer {index} ({layer.Kind}) needs tensor '{name}' of shape {expected}; the weights lack it.");
            if (!tensor.Shape.SequenceEqual(expectedShape))
                throw new ArgumentException($"Layer {index} ({layer.Kind}): tensor '{name}' has shape [{string.Join(',', tensor.Shape)}] but the layer needs {expected}.");
            return tensor.Data;
        }
    }
}
