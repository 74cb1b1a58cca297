using Portal.Engine.Models;
using Portal.Engine.Onnx.Protobuf;
using Portal.Engine.Weights;

namespace Portal.Engine.Onnx;

/// <summary>
/// Turns a spec's layers and blocks into opset-17 nodes, in their inference form: batch norm uses its running
/// statistics, dropout is the identity and writes no node. It visits the layers in the order shape inference
/// did, taking each one's shapes from the report; a layer's weights are named by its place in the spec
/// (<c>3.body.1.weight</c>), as in the network's state. With <paramref name="onnxRuntimeFusions"/>, attention and
/// encoder layers use ONNX Runtime's fused operators (<see cref="AttentionLowering"/>).
/// </summary>
internal sealed class LayerLowering(GraphBuilder graph, ModelWeights weights, IReadOnlyList<LayerShape> blocks, TokenMaskValues? mask, bool onnxRuntimeFusions = false)
{
    private int _next;
    private AttentionLowering? _attention;

    private AttentionLowering Attention => _attention ??= new AttentionLowering(graph, this, weights, mask, onnxRuntimeFusions);

    /// <summary>Emits the spec's own layers from <paramref name="first"/> on; returns the name of the last output.</summary>
    public string EmitLayers(IReadOnlyList<LayerSpec> layers, string input, int first = 0)
    {
        if (first > 0) _next = blocks.ToList().FindIndex(b => b.Depth == 0 && b.Index == first);
        var current = input;
        for (var i = first; i < layers.Count; i++)
            current = Emit(layers[i], Name(null, i), current);
        return current;
    }

    private static string Name(string? prefix, int index) =>
        prefix is null ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{prefix}.{index}";

    private string Sequence(IReadOnlyList<LayerSpec> layers, string prefix, string input)
    {
        var current = input;
        for (var i = 0; i < layers.Count; i++)
            current = Emit(layers[i], Name(prefix, i), current);
        return current;
    }

    /// <summary>Emits the nodes of <paramref name="layer"/>, whose weights are named <c>{name}.…</c>, applied to <paramref name="input"/>.</summary>
    private string Emit(LayerSpec layer, string name, string input)
    {
        var shape = blocks[_next++];
        var tensors = new LayerTensors(name, shape, weights);
        var hint = $"{name}.{layer.Kind}";
        switch (layer)
        {
            case LinearLayer l when shape.InputShape.Count == 1:
                {
                    var w = tensors.Add(graph, "weight", l.OutFeatures, shape.InputShape[0]);
                    string[] inputs = l.Bias ? [input, w, tensors.Add(graph, "bias", l.OutFeatures)] : [input, w];
                    return graph.AddNode("Gemm", inputs, hint, GraphBuilder.Attribute("transB", 1L));
                }

            case LinearLayer l:
                return PerStepLinear(tensors, input, hint, shape.InputShape[^1], l.OutFeatures, l.Bias);

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

            case Conv1dLayer c:
                {
                    // The sequence layout [batch, sequence, channels] around ONNX's channels-first Conv.
                    var w = tensors.Add(graph, "weight", c.OutChannels, shape.InputShape[1], c.KernelSize);
                    var channelsFirst = graph.AddNode("Transpose", [input], $"{hint}.channels_first", GraphBuilder.Attribute("perm", 0L, 2L, 1L));
                    string[] inputs = c.Bias ? [channelsFirst, w, tensors.Add(graph, "bias", c.OutChannels)] : [channelsFirst, w];
                    var conv = graph.AddNode("Conv", inputs, $"{hint}.conv",
                        GraphBuilder.Attribute("kernel_shape", [(long)c.KernelSize]),
                        GraphBuilder.Attribute("strides", [(long)c.Stride]),
                        GraphBuilder.Attribute("pads", c.Padding, c.Padding),
                        GraphBuilder.Attribute("dilations", [1L]),
                        GraphBuilder.Attribute("group", 1L));
                    return graph.AddNode("Transpose", [conv], hint, GraphBuilder.Attribute("perm", 0L, 2L, 1L));
                }

            case MaxPool2dLayer m:
                return graph.AddNode("MaxPool", [input], hint, PoolAttributes(m.KernelSize, m.Stride ?? m.KernelSize));

            case AvgPool2dLayer a:
                return graph.AddNode("AveragePool", [input], hint, PoolAttributes(a.KernelSize, a.Stride ?? a.KernelSize));

            case AdaptiveAvgPool2dLayer { OutputSize: 1 }:
                return graph.AddNode("GlobalAveragePool", [input], hint);

            case AdaptiveAvgPool2dLayer a:
                {
                    // Shape inference requires the output size to divide the input, where adaptive pooling is plain pooling.
                    var kernelH = shape.InputShape[1] / a.OutputSize;
                    var kernelW = shape.InputShape[2] / a.OutputSize;
                    return graph.AddNode("AveragePool", [input], hint,
                        GraphBuilder.Attribute("kernel_shape", kernelH, kernelW),
                        GraphBuilder.Attribute("strides", kernelH, kernelW),
                        GraphBuilder.Attribute("pads", 0L, 0L, 0L, 0L));
                }

            case BatchNorm1dLayer b:
                return BatchNorm(tensors, input, hint, shape.InputShape[0], b.Eps);

            case BatchNorm2dLayer b:
                return BatchNorm(tensors, input, hint, shape.InputShape[0], b.Eps);

            case LayerNormLayer n:
                return LayerNorm(tensors, input, hint, shape.InputShape[^1], n.Eps);

            case DropoutLayer:
                return input;

            case ReLULayer:
                return graph.AddNode("Relu", [input], hint);

            case LeakyReLULayer r:
                return graph.AddNode("LeakyRelu", [input], hint, GraphBuilder.Attribute("alpha", (float)r.NegativeSlope));

            case GELULayer:
                return Gelu(input, hint);

            case TanhLayer:
                return graph.AddNode("Tanh", [input], hint);

            case SigmoidLayer:
                return graph.AddNode("Sigmoid", [input], hint);

            case SoftmaxLayer:
                return graph.AddNode("Softmax", [input], hint, GraphBuilder.Attribute("axis", -1L));

            case FlattenLayer:
                return graph.AddNode("Flatten", [input], hint, GraphBuilder.Attribute("axis", 1L));

            case EmbeddingLayer e:
                return graph.AddNode("Gather", [tensors.Add(graph, "weight", e.Vocabulary, e.Width), input], hint, GraphBuilder.Attribute("axis", 0L));

            case PositionalEncodingLayer p:
                {
                    var (length, width) = (shape.InputShape[0], shape.InputShape[1]);
                    var table = p.Encoding == PositionalEncodingKind.Learned
                        ? tensors.Add(graph, "weight", length, width)
                        : graph.AddInitializer($"{name}.sinusoids", Models.PositionalTable.Sinusoids(length, width), [length, width]);
                    return graph.AddNode("Add", [input, FirstSteps(table, input, hint)], hint);
                }

            case LstmLayer or GruLayer:
                return new RecurrentLowering(graph, mask).Emit(RecurrentSettings.Of(layer), shape.InputShape[1], input, hint, tensors.Get);

            case SequencePoolLayer { Pooling: SequencePooling.First }:
                return graph.AddNode("Gather", [input, graph.AddInitializer($"{hint}.first", [0L], [])], hint, GraphBuilder.Attribute("axis", 1L));

            case SequencePoolLayer:
                return MeanOverSteps(input, hint);

            case MultiHeadAttentionLayer a:
                return Attention.SelfAttention(tensors, input, hint, shape.InputShape[1], a.Heads, a.Bias);

            case TransformerEncoderBlock t:
                return Attention.Encoder(t, name, shape, input, hint);

            case SequentialBlock b:
                return Sequence(b.Layers, name, input);

            case ResidualBlock r:
                {
                    var body = Sequence(r.Body, $"{name}.body", input);
                    var skip = r.Projection is null ? input : Sequence(r.Projection, $"{name}.projection", input);
                    return graph.AddNode("Add", [body, skip], hint);
                }

            default:
                throw new ModelSpecException($"{shape.Path} ({layer.Kind}) has no ONNX export.");
        }
    }

    /// <summary>A linear layer applied to every step of [batch, sequence, features]: MatMul with the transposed weight, then Add.</summary>
    internal string PerStepLinear(LayerTensors tensors, string input, string hint, int inFeatures, int outFeatures, bool bias, string weightName = "weight", string biasName = "bias")
    {
        var product = graph.AddNode("MatMul", [input, TransposedWeight(tensors, weightName, inFeatures, outFeatures)], bias ? $"{hint}.product" : hint);
        return bias ? graph.AddNode("Add", [product, tensors.Add(graph, biasName, outFeatures)], hint) : product;
    }

    /// <summary>The [out, in] weight <paramref name="weightName"/> as an [in, out] initializer named <c>{prefix}.{weightName}_transposed</c>.</summary>
    internal string TransposedWeight(LayerTensors tensors, string weightName, int inFeatures, int outFeatures)
    {
        var w = tensors.Get(weightName, outFeatures, inFeatures);
        var transposed = new float[w.Length];
        for (var o = 0; o < outFeatures; o++)
            for (var i = 0; i < inFeatures; i++)
                transposed[i * outFeatures + o] = w[o * inFeatures + i];
        return graph.AddInitializer($"{tensors.Prefix}.{weightName}_transposed", transposed, [inFeatures, outFeatures]);
    }

    /// <summary>Normalisation over the last dimension, with the tensors <c>weight</c> and <c>bias</c> as scale and shift.</summary>
    internal string LayerNorm(LayerTensors tensors, string input, string hint, int width, double eps) =>
        graph.AddNode("LayerNormalization", [input, tensors.Add(graph, "weight", width), tensors.Add(graph, "bias", width)], hint,
            GraphBuilder.Attribute("axis", -1L), GraphBuilder.Attribute("epsilon", (float)eps));

    /// <summary>The first rows of <paramref name="table"/>, as many as <paramref name="sequence"/> has steps (the sequence length is dynamic).</summary>
    private string FirstSteps(string table, string sequence, string hint)
    {
        var length = graph.AddNode("Shape", [sequence], $"{hint}.length", GraphBuilder.Attribute("start", 1L), GraphBuilder.Attribute("end", 2L));
        var zero = graph.AddInitializer($"{hint}.zero", [0L], [1]);
        return graph.AddNode("Slice", [table, zero, length, zero], $"{hint}.rows");
    }

    /// <summary>The mean over the real (unpadded) steps of [batch, sequence, width]; over all steps without a token mask.</summary>
    private string MeanOverSteps(string input, string hint)
    {
        var stepAxis = graph.AddInitializer($"{hint}.axis", [1L], [1]);
        if (mask is null)
            return graph.AddNode("ReduceMean", [input], hint, GraphBuilder.Attribute("axes", [1L]), GraphBuilder.Attribute("keepdims", 0L));
        var valid = graph.AddNode("Unsqueeze", [mask.Valid, graph.AddInitializer($"{hint}.width_axis", [2L], [1])], $"{hint}.valid");
        var sum = graph.AddNode("ReduceSum", [graph.AddNode("Mul", [input, valid], $"{hint}.masked"), stepAxis], $"{hint}.sum", GraphBuilder.Attribute("keepdims", 0L));
        var count = graph.AddNode("ReduceSum", [valid, stepAxis], $"{hint}.count", GraphBuilder.Attribute("keepdims", 0L));
        var atLeastOne = graph.AddNode("Max", [count, graph.AddScalar($"{hint}.one", 1f)], $"{hint}.count_clamped");
        return graph.AddNode("Div", [sum, atLeastOne], hint);
    }

    /// <summary>
    /// Layer <paramref name="index"/>, a linear layer, with per-feature standardisation folded into it:
    /// W' = W / σ (per input column) and b' = b − W'·μ, so the layer takes raw features in one Gemm.
    /// </summary>
    public static string EmitStandardizedLinear(GraphBuilder graph, int index, LinearLayer layer, LayerShape shape, ModelWeights weights, string input, float[] mean, float[] std)
    {
        var tensors = new LayerTensors(index.ToString(System.Globalization.CultureInfo.InvariantCulture), shape, weights);
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

    private string BatchNorm(LayerTensors tensors, string input, string hint, int channels, double eps)
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
    internal string Gelu(string input, string hint)
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
    internal readonly struct LayerTensors(string prefix, LayerShape shape, ModelWeights weights)
    {
        public string Prefix => prefix;

        public LayerShape Shape => shape;

        public string Add(GraphBuilder graph, string suffix, params int[] expectedShape) =>
            graph.AddInitializer($"{prefix}.{suffix}", Get(suffix, expectedShape), [.. expectedShape.Select(d => (long)d)]);

        public float[] Get(string suffix, params int[] expectedShape)
        {
            var name = $"{prefix}.{suffix}";
            var expected = $"[{string.Join(',', expectedShape)}]";
            if (!weights.TryGet(name, out var tensor))
                throw new ArgumentException($"{shape.Path} ({shape.Kind}) needs tensor '{name}' of shape {expected}; the weights lack it.");
            if (!tensor.Shape.SequenceEqual(expectedShape))
                throw new ArgumentException($"{shape.Path} ({shape.Kind}): tensor '{name}' has shape [{string.Join(',', tensor.Shape)}] but the layer needs {expected}.");
            return tensor.Data;
        }
    }
}
