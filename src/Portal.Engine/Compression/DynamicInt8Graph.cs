using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Onnx.Protobuf;

namespace Portal.Engine.Compression;

/// <summary>
/// Rewrites a float graph so that chosen weight matrices are int8 and the values they multiply are quantised at run
/// time: DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q, x_zero) → Cast to float → Mul by x_scale × W_scale, then
/// the layer's bias Add as before. ONNX Runtime fuses that chain, with the Add, into one DynamicQuantizeMatMul. The
/// weights are symmetric in the seven bits of <see cref="Int8WeightForm"/>, so the graph carries no weight zero point
/// and gives the same answers on every x86-64 int8 kernel. ONNX Runtime's fused Attention (an export with
/// <see cref="OnnxExportOptions.OnnxRuntimeFusions"/>) becomes DynamicQuantizeLinear → QAttention: the same int8
/// in-projection, with the heads, scores and softmax in float32 inside the one node. Everything else is left as
/// exported: the attention's products of two activations, the norms and the embedding lookup.
/// </summary>
internal static class DynamicInt8Graph
{
    /// <summary>
    /// A MatMul, a plain Gemm (alpha and beta 1, A not transposed) or ONNX Runtime's Attention, whose second input is a
    /// float matrix stored in the graph. <see cref="Layer"/> is the spec's top-level layer that holds it (the leading index of its name).
    /// </summary>
    public sealed record WeightNode(string Weight, string OpType, int Layer, long Values);

    /// <summary>Non-zero int8 weights written, with the graph.</summary>
    public sealed record Written(byte[] Onnx, long NonZeroQuantizedWeights);

    /// <summary>Throws <see cref="ArgumentException"/> when no layer of <paramref name="spec"/> multiplies by a weight matrix.</summary>
    public static void CheckSupported(ModelSpec spec)
    {
        static bool Multiplies(LayerSpec layer) => layer switch
        {
            LinearLayer or MultiHeadAttentionLayer or TransformerEncoderBlock => true,
            SequentialBlock b => b.Layers.Any(Multiplies),
            ResidualBlock r => r.Body.Any(Multiplies) || (r.Projection?.Any(Multiplies) ?? false),
            _ => false,
        };
        if (!spec.Layers.Any(Multiplies))
            throw new ArgumentException($"Model '{spec.Name}' has no linear, attention or transformer-encoder layer: dynamic int8 quantises MatMul/Gemm weights, and it has none.");
    }

    public static IReadOnlyList<WeightNode> WeightNodes(ModelProto model)
    {
        var matrices = model.Graph.Initializer
            .Where(t => t.DataType == (int)OnnxElementType.Float32 && t.Dims.Count == 2)
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        var found = new List<WeightNode>();
        foreach (var node in model.Graph.Node)
        {
            if (!(IsPlainProduct(node) || IsAttention(node)) || !matrices.TryGetValue(node.Input[1], out var weight)) continue;
            if (found.Any(w => w.Weight == weight.Name)) continue; // a matrix used twice stays float
            found.Add(new WeightNode(weight.Name, node.OpType, LayerOf(weight.Name), weight.Dims[0] * weight.Dims[1]));
        }
        return found;
    }

    public static Written Write(ModelProto parent, IReadOnlySet<string> quantized, string description)
    {
        var model = parent.Clone();
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var names = new HashSet<string>(graph.Node.SelectMany(n => n.Output).Concat(initializers.Keys).Concat(graph.Input.Select(i => i.Name)), StringComparer.Ordinal);
        string Claim(string name) => names.Add(name) ? name : throw new InvalidOperationException($"The graph already has a value named '{name}'.");

        var nodes = new List<NodeProto>();
        long nonZero = 0;
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            if (!(IsPlainProduct(node) || IsAttention(node)) || !quantized.Contains(node.Input[1]) || !done.Add(node.Input[1]))
            {
                nodes.Add(node);
                continue;
            }
            var w = node.Input[1];
            var tensor = initializers[w];
            var transposed = node.OpType == "Gemm" && IntAttribute(node, "transB", 0) == 1;
            var (values, weightScale, count) = Quantize(tensor, transposed);
            nonZero += count;
            var (inputs, outputs) = transposed ? (tensor.Dims[1], tensor.Dims[0]) : (tensor.Dims[0], tensor.Dims[1]);
            graph.Initializer.Add(Tensor(Claim($"{w}.int8"), OnnxElementType.Int8, ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())), [inputs, outputs]));
            graph.Initializer.Add(Tensor(Claim($"{w}.scale"), OnnxElementType.Float32, ByteString.CopyFrom(BitConverter.GetBytes(weightScale)), []));

            var (x, xScale, xZero) = (Claim($"{w}.input.uint8"), Claim($"{w}.input.scale"), Claim($"{w}.input.zero_point"));
            nodes.Add(Node("DynamicQuantizeLinear", [node.Input[0]], [x, xScale, xZero]));
            if (IsAttention(node))
            {
                // QAttention's inputs: input, weight, bias, input scale, weight scale, mask, input zero point (the weight's is 0).
                var mask = node.Input.Count > 3 ? node.Input[3] : "";
                var attention = Node("QAttention", [x, $"{w}.int8", node.Input[2], xScale, $"{w}.scale", mask, xZero], [node.Output[0]]);
                attention.Domain = GraphBuilder.OnnxRuntimeDomain;
                attention.Attribute.AddRange(node.Attribute);
                nodes.Add(attention);
                continue;
            }
            var product = Claim($"{w}.product.int32");
            nodes.Add(Node("MatMulInteger", [x, $"{w}.int8", xZero], [product]));
            var asFloat = Claim($"{w}.product.float");
            nodes.Add(Node("Cast", [product], [asFloat], GraphBuilder.Attribute("to", (long)OnnxElementType.Float32)));
            var scale = Claim($"{w}.product.scale");
            nodes.Add(Node("Mul", [xScale, $"{w}.scale"], [scale]));
            if (node.OpType == "Gemm" && node.Input.Count > 2 && node.Input[2].Length > 0)
            {
                var scaled = Claim($"{w}.product.scaled");
                nodes.Add(Node("Mul", [asFloat, scale], [scaled]));
                nodes.Add(Node("Add", [scaled, node.Input[2]], [node.Output[0]]));
            }
            else
            {
                nodes.Add(Node("Mul", [asFloat, scale], [node.Output[0]]));
            }
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        var used = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) graph.Initializer.Remove(stale);

        model.DocString = description;
        model.MetadataProps.Add(new StringStringEntryProto { Key = Int8WeightForm.MetadataKey, Value = description });
        return new Written(model.ToByteArray(), nonZero);
    }

    /// <summary>
    /// Names the ONNX Runtime operators <paramref name="model"/> uses outside standard ONNX, and so that only ONNX
    /// Runtime runs it; null when it uses none.
    /// </summary>
    public static string? OnnxRuntimeOperatorsNote(ModelProto model)
    {
        var operators = model.Graph.Node.Where(n => n.Domain == GraphBuilder.OnnxRuntimeDomain).Select(n => n.OpType).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return operators.Count == 0 ? null
            : $"the int8 graph uses ONNX Runtime's own {GraphBuilder.OnnxRuntimeDomain} operators ({string.Join(", ", operators)}) for attention, "
                + "so it runs on ONNX Runtime only (the parent stays standard ONNX); it is the same graph on every x86-64 CPU, since its int8 products, QAttention's too, "
                + "run on ONNX Runtime's u8×s8 GEMM kernels, which pick their instructions from the CPU's features";
    }

    /// <summary>
    /// Symmetric over the whole matrix: scale = max|w| / <see cref="Int8WeightForm.Limit"/>, laid out [in, out] as
    /// MatMulInteger takes it (a Gemm's transposed weight is turned back). One scale per matrix rather than per output
    /// column: ONNX Runtime folds a single scale into its int8 GEMM's output, while a scale per column costs another
    /// pass over the output, and the accuracy-driven fallback keeps float a matrix whose spread one scale cannot hold.
    /// </summary>
    private static (sbyte[] Values, float Scale, long NonZero) Quantize(TensorProto tensor, bool transposed)
    {
        ReadOnlySpan<float> data = tensor.RawData.IsEmpty ? [.. tensor.FloatData] : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span);
        var (rows, columns) = ((int)tensor.Dims[0], (int)tensor.Dims[1]);
        var max = 0f;
        foreach (var v in data) max = Math.Max(max, MathF.Abs(v));
        var scale = Math.Max(max / Int8WeightForm.Limit, 1e-12f);
        var values = new sbyte[data.Length];
        long nonZero = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var q = (sbyte)Math.Clamp(MathF.Round(data[r * columns + c] / scale), -Int8WeightForm.Limit, Int8WeightForm.Limit);
                values[transposed ? c * rows + r : r * columns + c] = q;
                if (q != 0) nonZero++;
            }
        }
        return (values, scale, nonZero);
    }

    private static bool IsPlainProduct(NodeProto node) =>
        node.Domain.Length == 0 && node.Input.Count >= 2 && (node.OpType == "MatMul"
            || node.OpType == "Gemm" && IntAttribute(node, "transA", 0) == 0 && FloatAttribute(node, "alpha", 1f) == 1f && FloatAttribute(node, "beta", 1f) == 1f);

    private static bool IsAttention(NodeProto node) =>
        node.Domain == GraphBuilder.OnnxRuntimeDomain && node.OpType == "Attention" && node.Input.Count >= 3;

    private static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static float FloatAttribute(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    /// <summary>Portal names every weight after its place in the spec (<c>2.layers.0.linear1.weight</c>); -1 for a name that does not start with a layer index.</summary>
    private static int LayerOf(string weight)
    {
        var dot = weight.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && int.TryParse(weight.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var layer) ? layer : -1;
    }

    private static NodeProto Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static TensorProto Tensor(string name, OnnxElementType type, ByteString data, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = data };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
