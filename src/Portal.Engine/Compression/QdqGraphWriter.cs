using System.Text.Json;
using Google.Protobuf;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Compression;

/// <summary>
/// Writes a folded network as an ONNX QDQ graph that ONNX Runtime fuses into integer kernels: a quantised
/// layer is DequantizeLinear(uint8 input) → Conv/Gemm with DequantizeLinear(int8 per-channel weights) and
/// DequantizeLinear(int32 bias, scale = input scale × weight scale) → [Relu] → QuantizeLinear, which becomes
/// QLinearConv / QGemm (the ReLU is absorbed: its output's zero point is 0). Pooling and flatten run on the
/// uint8 values between the same Q/DQ parameters. A float32 layer takes the dequantised value and its output
/// is quantised again for the next int8 layer. The graph's output stays float.
/// </summary>
internal static class QdqGraphWriter
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Non-zero int8 weights written, with the graph: the quantised model's non-zero parameter count uses them.</summary>
    public sealed record Written(byte[] Onnx, long NonZeroQuantizedWeights);

    public static Written Write(ModelSpec spec, FoldedNetwork network, IReadOnlyDictionary<int, ActivationQuantization> activations,
        IReadOnlySet<int> quantizedLayers, FeatureStandardization? standardization, IReadOnlyList<string> classNames)
    {
        var report = spec.Infer();
        var graph = new GraphBuilder($"{spec.Name}-int8");
        var input = graph.AddInput(OnnxExporter.InputName, OnnxElementType.Float32, Batched(spec.InputShape));
        var current = new Value(input, null, -1);
        if (standardization is not null)
        {
            var constants = StandardizationConstants.For(standardization, spec.InputShape);
            var mean = graph.AddInitializer("standardization.mean", constants.Mean, constants.Dims);
            var std = graph.AddInitializer("standardization.std", constants.Std, constants.Dims);
            var centred = graph.AddNode("Sub", [input, mean], "standardization.centred");
            current = new Value(graph.AddNode("Div", [centred, std], "standardization.output"), null, -1);
        }

        long nonZero = 0;
        var last = network.Ops[^1];
        int[]? channelsLastColumns = null;
        for (var index = 0; index < network.Ops.Count; index++)
        {
            var op = network.Ops[index];
            var isLast = ReferenceEquals(op, last);
            if (channelsLastColumns is not null && op is WeightOp linear)
            {
                op = linear with { Weight = PermuteColumns(linear.Weight, linear.WeightShape[0], channelsLastColumns) };
                channelsLastColumns = null;
            }
            switch (op)
            {
                // Flattening an int8 convolution's output: ONNX Runtime runs that convolution and its pooling channels-last
                // and would transpose back to channels-first only for the flatten. Flattening channels-last instead (the
                // next linear layer's columns permuted to match) lets its layout pass cancel the two transposes.
                case PassOp { Spec: FlattenLayer } flatten when current.Quantization is not null && !isLast
                    && ChannelsLastFlattenFits(network, index, quantizedLayers, report.Layers[flatten.Layer].InputShape):
                    {
                        var shape = report.Layers[flatten.Layer].InputShape;
                        var transposed = graph.AddNode("Transpose", [current.Name], $"{flatten.Layer}.channels_last", GraphBuilder.Attribute("perm", 0L, 2L, 3L, 1L));
                        var q = current.Quantization.Value;
                        current = Requantize(graph, transposed, q, flatten.Layer);
                        var flat = graph.AddNode("Flatten", [current.Name], $"{flatten.Layer}.{flatten.Spec.Kind}", GraphBuilder.Attribute("axis", 1L));
                        current = Requantize(graph, flat, q, flatten.Layer);
                        channelsLastColumns = ChannelsLastOrder(shape[0], shape[1], shape[2]);
                        break;
                    }
                // A float32 convolution with ReLU then max pooling is written Conv → MaxPool → Relu (the two commute):
                // ONNX Runtime would otherwise move the next QuantizeLinear above the pooling and pool uint8 values
                // in NCHW layout, which it does far more slowly than the float pooling it replaces.
                case WeightOp { Relu: true } w when !quantizedLayers.Contains(w.Layer) && index + 1 < network.Ops.Count
                    && network.Ops[index + 1] is PassOp { Spec: MaxPool2dLayer pool } next:
                    {
                        var weight = graph.AddInitializer($"{w.Layer}.weight.folded", w.Weight, [.. w.WeightShape.Select(d => (long)d)]);
                        var bias = graph.AddInitializer($"{w.Layer}.bias.folded", w.Bias, [w.Bias.Length]);
                        var convolved = Float(graph, w with { Relu = false }, [current.Name, weight, bias]);
                        var pooled = graph.AddNode("MaxPool", [convolved], $"{next.Layer}.{pool.Kind}", Pool(pool.KernelSize, pool.Stride ?? pool.KernelSize));
                        current = new Value(graph.AddNode("Relu", [pooled], $"{w.Layer}.relu"), null, next.Layer);
                        index++;
                        break;
                    }
                case WeightOp w when quantizedLayers.Contains(w.Layer):
                    {
                        var x = Dequantized(graph, current, activations);
                        var (weight, scales, count) = QuantizedWeight(graph, w, x.Quantization!.Value.Scale);
                        nonZero += count;
                        var bias = QuantizedBias(graph, w, x.Quantization!.Value.Scale, scales);
                        var output = Float(graph, w, [x.Name, weight, bias]);
                        current = isLast ? new Value(output, null, w.LastLayer) : Requantize(graph, output, activations[w.LastLayer], w.LastLayer);
                        break;
                    }
                case WeightOp w:
                    {
                        var weight = graph.AddInitializer($"{w.Layer}.weight.folded", w.Weight, [.. w.WeightShape.Select(d => (long)d)]);
                        var bias = graph.AddInitializer($"{w.Layer}.bias.folded", w.Bias, [w.Bias.Length]);
                        current = new Value(Float(graph, w, [current.Name, weight, bias]), null, w.LastLayer);
                        break;
                    }
                case PassOp p:
                    current = Pass(graph, p, current, activations, isLast);
                    break;
            }
        }

        var result = graph.IsProducedByNode(current.Name) ? graph.RenameValue(current.Name, OnnxExporter.OutputName) : graph.AddNode("Identity", [current.Name], OnnxExporter.OutputName);
        graph.AddOutput(result, OnnxElementType.Float32, Batched(report.OutputShape));
        var metadata = new List<KeyValuePair<string, string>>
        {
            new(OnnxMetadataKeys.Spec, spec.ToJson()),
            new(OnnxMetadataKeys.StandardizationPlacement, standardization is null ? StandardizationPlacements.None : StandardizationPlacements.FirstNodes),
            new(OnnxMetadataKeys.ClassLabels, JsonSerializer.Serialize(classNames, s_json)),
            new(Int8WeightForm.MetadataKey, $"int8 QDQ, {Int8WeightForm.Name}; int8 layers: {string.Join(",", quantizedLayers.Order())}"),
        };
        if (standardization is not null) metadata.Add(new(OnnxMetadataKeys.Standardization, JsonSerializer.Serialize(standardization, s_json)));
        var model = graph.ToModel("Portal", typeof(QdqGraphWriter).Assembly.GetName().Version?.ToString() ?? "0", 1,
            $"Portal model '{spec.Name}', int8 QDQ ({quantizedLayers.Count} int8 layers).", metadata);
        return new Written(model.ToByteArray(), nonZero);
    }

    /// <summary>A value in the graph; <see cref="Quantization"/> is set when it is the output of a DequantizeLinear with those parameters.</summary>
    private sealed record Value(string Name, ActivationQuantization? Quantization, int Point);

    private static Value Dequantized(GraphBuilder graph, Value value, IReadOnlyDictionary<int, ActivationQuantization> activations) =>
        value.Quantization is not null ? value : Requantize(graph, value.Name, activations[value.Point], value.Point);

    private static Value Requantize(GraphBuilder graph, string value, ActivationQuantization q, int point)
    {
        var scale = graph.AddScalar($"{value}.scale", q.Scale);
        var zeroPoint = graph.AddInitializer($"{value}.zero_point", [q.ZeroPoint], []);
        var quantized = graph.AddNode("QuantizeLinear", [value, scale, zeroPoint], $"{value}.quantized");
        return new Value(graph.AddNode("DequantizeLinear", [quantized, scale, zeroPoint], $"{value}.dequantized"), q, point);
    }

    private static Value Pass(GraphBuilder graph, PassOp op, Value current, IReadOnlyDictionary<int, ActivationQuantization> activations, bool isLast)
    {
        var hint = $"{op.Layer}.{op.Spec.Kind}";
        var output = op.Spec switch
        {
            MaxPool2dLayer m => graph.AddNode("MaxPool", [current.Name], hint, Pool(m.KernelSize, m.Stride ?? m.KernelSize)),
            AvgPool2dLayer a => graph.AddNode("AveragePool", [current.Name], hint, Pool(a.KernelSize, a.Stride ?? a.KernelSize)),
            FlattenLayer => graph.AddNode("Flatten", [current.Name], hint, GraphBuilder.Attribute("axis", 1L)),
            ReLULayer => graph.AddNode("Relu", [current.Name], hint),
            _ => throw new ArgumentException($"Layer {op.Layer} ({op.Spec.Kind}) has no int8 form. Int8 graphs support {FoldedNetwork.SupportedLayers}."),
        };
        if (current.Quantization is not { } q || isLast) return new Value(output, null, op.Layer);
        // Max pooling and flatten keep the input's parameters, so ONNX Runtime drops their Q/DQ pair and runs them on uint8.
        var keepsParameters = op.Spec is MaxPool2dLayer or FlattenLayer;
        return Requantize(graph, output, keepsParameters ? q : activations[op.Layer], op.Layer);
    }

    /// <summary>
    /// A flatten can go channels-last when it follows an int8 convolution (through pooling only) on a [C, H, W] value
    /// and feeds an int8 linear layer.
    /// </summary>
    private static bool ChannelsLastFlattenFits(FoldedNetwork network, int index, IReadOnlySet<int> quantizedLayers, IReadOnlyList<int> shape)
    {
        if (shape.Count != 3 || shape[1] * shape[2] == 1) return false;
        if (index + 1 >= network.Ops.Count || network.Ops[index + 1] is not WeightOp { Spec: LinearLayer } next || !quantizedLayers.Contains(next.Layer)) return false;
        for (var j = index - 1; j >= 0; j--)
        {
            switch (network.Ops[j])
            {
                case WeightOp { Spec: Conv2dLayer } conv:
                    return quantizedLayers.Contains(conv.Layer);
                case PassOp { Spec: MaxPool2dLayer }:
                    continue;
                default:
                    return false;
            }
        }
        return false;
    }

    /// <summary>For each column of a channels-last flatten (h, w, c), the channels-first column (c, h, w) it holds.</summary>
    private static int[] ChannelsLastOrder(int channels, int height, int width)
    {
        var order = new int[channels * height * width];
        for (var h = 0; h < height; h++)
            for (var w = 0; w < width; w++)
                for (var c = 0; c < channels; c++)
                    order[(h * width + w) * channels + c] = (c * height + h) * width + w;
        return order;
    }

    private static float[] PermuteColumns(float[] weight, int rows, int[] order)
    {
        var columns = weight.Length / rows;
        if (columns != order.Length)
            throw new InvalidOperationException($"A channels-last flatten gives {order.Length} features but the next linear layer takes {columns}.");
        var permuted = new float[weight.Length];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < columns; j++)
                permuted[r * columns + j] = weight[r * columns + order[j]];
        return permuted;
    }

    private static string Float(GraphBuilder graph, WeightOp w, string[] inputs)
    {
        var hint = $"{w.Layer}.{w.Spec.Kind}";
        var output = w.Spec switch
        {
            Conv2dLayer c => graph.AddNode("Conv", inputs, hint,
                GraphBuilder.Attribute("kernel_shape", c.KernelSize, c.KernelSize),
                GraphBuilder.Attribute("strides", c.Stride, c.Stride),
                GraphBuilder.Attribute("pads", c.Padding, c.Padding, c.Padding, c.Padding),
                GraphBuilder.Attribute("dilations", 1L, 1L),
                GraphBuilder.Attribute("group", 1L)),
            _ => graph.AddNode("Gemm", inputs, hint,
                GraphBuilder.Attribute("alpha", 1f), GraphBuilder.Attribute("beta", 1f), GraphBuilder.Attribute("transB", 1L)),
        };
        return w.Relu ? graph.AddNode("Relu", [output], $"{w.Layer}.relu") : output;
    }

    /// <summary>
    /// Symmetric per output channel in seven bits: scale = max|w| / <see cref="Int8WeightForm.Limit"/>, zero point 0, so
    /// the graph is exact on CPUs whose int8 kernels saturate pair sums (<see cref="Int8WeightForm"/>).
    /// </summary>
    private static (string Name, float[] Scales, long NonZero) QuantizedWeight(GraphBuilder graph, WeightOp w, float inputScale)
    {
        var units = w.WeightShape[0];
        var per = w.Weight.Length / units;
        var values = new sbyte[w.Weight.Length];
        var scales = new float[units];
        long nonZero = 0;
        for (var u = 0; u < units; u++)
        {
            var row = w.Weight.AsSpan(u * per, per);
            var max = 0f;
            foreach (var v in row) max = Math.Max(max, MathF.Abs(v));
            // The bias is quantised with input scale × this scale into int32: keep it representable.
            var biasFloor = (float)(Math.Abs(w.Bias[u]) / ((double)inputScale * int.MaxValue));
            scales[u] = Math.Max(max / Int8WeightForm.Limit, Math.Max(biasFloor, 1e-12f));
            for (var j = 0; j < per; j++)
            {
                var q = (sbyte)Math.Clamp(MathF.Round(row[j] / scales[u]), -Int8WeightForm.Limit, Int8WeightForm.Limit);
                values[u * per + j] = q;
                if (q != 0) nonZero++;
            }
        }
        var data = graph.AddInitializer($"{w.Layer}.weight.int8", values, [.. w.WeightShape.Select(d => (long)d)]);
        var scale = graph.AddInitializer($"{w.Layer}.weight.scale", scales, [units]);
        var zeroPoint = graph.AddInitializer($"{w.Layer}.weight.zero_point", new sbyte[units], [units]);
        return (graph.AddNode("DequantizeLinear", [data, scale, zeroPoint], $"{w.Layer}.weight.dequantized", GraphBuilder.Attribute("axis", 0L)), scales, nonZero);
    }

    private static string QuantizedBias(GraphBuilder graph, WeightOp w, float inputScale, float[] weightScales)
    {
        var scales = weightScales.Select(s => inputScale * s).ToArray();
        var values = new int[w.Bias.Length];
        for (var u = 0; u < values.Length; u++)
            values[u] = (int)Math.Clamp(Math.Round((double)w.Bias[u] / scales[u]), int.MinValue + 1, int.MaxValue);
        var data = graph.AddInitializer($"{w.Layer}.bias.int32", values, [values.Length]);
        var scale = graph.AddInitializer($"{w.Layer}.bias.scale", scales, [values.Length]);
        var zeroPoint = graph.AddInitializer($"{w.Layer}.bias.zero_point", new int[values.Length], [values.Length]);
        return graph.AddNode("DequantizeLinear", [data, scale, zeroPoint], $"{w.Layer}.bias.dequantized", GraphBuilder.Attribute("axis", 0L));
    }

    private static Onnx.Protobuf.AttributeProto[] Pool(int kernel, int stride) =>
    [
        GraphBuilder.Attribute("kernel_shape", kernel, kernel),
        GraphBuilder.Attribute("strides", stride, stride),
        GraphBuilder.Attribute("pads", 0L, 0L, 0L, 0L),
    ];

    private static List<OnnxDimension> Batched(IReadOnlyList<int> shape) =>
        [OnnxDimension.Symbolic(OnnxExporter.BatchDimension), .. shape.Select(d => OnnxDimension.Fixed(d))];
}
