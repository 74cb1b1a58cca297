using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Onnx;

/// <summary>
/// Self-attention and transformer encoder layers as opset-17 nodes over [batch, sequence, width], both dynamic:
/// MatMul and Softmax, the heads split by Reshape and Transpose, the norms as LayerNormalization. The operations
/// and their order are those of <see cref="SelfAttention"/> and <see cref="TransformerEncoderModule"/>; the key
/// mask is made once per graph from the token mask. With <paramref name="onnxRuntimeFusions"/> the projections, head
/// split, scores, mask, softmax and join of one attention are ONNX Runtime's one Attention node.
/// </summary>
internal sealed class AttentionLowering(GraphBuilder graph, LayerLowering layers, ModelWeights weights, TokenMaskValues? mask, bool onnxRuntimeFusions)
{
    private string? _keyMask;

    /// <summary>Attention whose tensors are <c>in_proj_weight</c>, <c>in_proj_bias</c> and <c>out_proj.*</c> under <paramref name="tensors"/>' prefix.</summary>
    public string SelfAttention(LayerLowering.LayerTensors tensors, string input, string hint, int width, int heads, bool bias) =>
        layers.PerStepLinear(Tensors($"{tensors.Prefix}.out_proj", tensors),
            onnxRuntimeFusions ? FusedHeads(tensors, input, hint, width, heads, bias) : Heads(tensors, input, hint, width, heads, bias), hint, width, width, bias);

    /// <summary>
    /// The in-projection, heads and join as ONNX Runtime's Attention: [in, 3 × width] weights (the in_proj_weight
    /// initializer the standard graph multiplies by), scores scaled by 1/√(head width) as there. Its mask is the real
    /// tokens (<see cref="TokenMaskValues.Real"/>): a padded key's score is lowered by 10000, after which its softmax
    /// weight is exactly 0 in float32, as with the standard graph's −∞. A sample without any real token has every
    /// score lowered alike, which leaves its softmax as unmasked, as the standard graph leaves it, up to the rounding
    /// of that shift; so the fused graph needs none of the standard graph's nodes that find such samples.
    /// </summary>
    private string FusedHeads(LayerLowering.LayerTensors tensors, string input, string hint, int width, int heads, bool bias)
    {
        var weight = layers.TransposedWeight(tensors, "in_proj_weight", width, 3 * width);
        var inBias = bias ? tensors.Add(graph, "in_proj_bias", 3 * width) : graph.AddInitializer($"{hint}.in_proj_zero_bias", new float[3 * width], [3 * width]);
        string[] inputs = mask is null ? [input, weight, inBias] : [input, weight, inBias, mask.Real];
        return graph.AddOnnxRuntimeNode("Attention", inputs, $"{hint}.joined", GraphBuilder.Attribute("num_heads", (long)heads));
    }

    /// <summary>The in-projection, heads and join as standard nodes, in <see cref="SelfAttention"/>'s order.</summary>
    private string Heads(LayerLowering.LayerTensors tensors, string input, string hint, int width, int heads, bool bias)
    {
        var headWidth = width / heads;
        var projected = layers.PerStepLinear(tensors, input, $"{hint}.in_proj", width, 3 * width, bias, "in_proj_weight", "in_proj_bias");
        var headShape = graph.AddInitializer($"{hint}.head_shape", [0L, 0L, heads, headWidth], [4]);
        var lastAxis = graph.AddInitializer($"{hint}.feature_axis", [2L], [1]);
        string Part(int part, string role, params long[] perm)
        {
            var start = graph.AddInitializer($"{hint}.{role}_start", [(long)part * width], [1]);
            var end = graph.AddInitializer($"{hint}.{role}_end", [(long)(part + 1) * width], [1]);
            var slice = graph.AddNode("Slice", [projected, start, end, lastAxis], $"{hint}.{role}");
            var split = graph.AddNode("Reshape", [slice, headShape], $"{hint}.{role}_heads");
            return graph.AddNode("Transpose", [split], $"{hint}.{role}_by_head", GraphBuilder.Attribute("perm", perm));
        }

        var query = graph.AddNode("Mul", [Part(0, "query", 0, 2, 1, 3), graph.AddScalar($"{hint}.scale", (float)(1.0 / Math.Sqrt(headWidth)))], $"{hint}.query_scaled");
        var scores = graph.AddNode("MatMul", [query, Part(1, "key", 0, 2, 3, 1)], $"{hint}.scores");
        if (KeyMask() is { } keyMask)
            scores = graph.AddNode("Where", [keyMask, graph.AddScalar($"{hint}.minus_infinity", float.NegativeInfinity), scores], $"{hint}.scores_masked");
        var attention = graph.AddNode("Softmax", [scores], $"{hint}.weights", GraphBuilder.Attribute("axis", -1L));
        var attended = graph.AddNode("MatMul", [attention, Part(2, "value", 0, 2, 1, 3)], $"{hint}.attended");
        var steps = graph.AddNode("Transpose", [attended], $"{hint}.by_step", GraphBuilder.Attribute("perm", 0L, 2L, 1L, 3L));
        return graph.AddNode("Reshape", [steps, graph.AddInitializer($"{hint}.joined_shape", [0L, 0L, width], [3])], $"{hint}.joined");
    }

    /// <summary>The block's layers in turn, each named <c>{name}.layers.{i}.…</c>, pre- or post-norm as the block says.</summary>
    public string Encoder(TransformerEncoderBlock block, string name, LayerShape shape, string input, string hint)
    {
        var width = shape.InputShape[1];
        var current = input;
        for (var i = 0; i < block.Layers; i++)
        {
            var prefix = $"{name}.layers.{i}";
            var at = $"{hint}.{i}";
            string Attend(string x) => SelfAttention(new LayerLowering.LayerTensors($"{prefix}.self_attn", shape, weights), x, $"{at}.self_attn", width, block.Heads, bias: true);
            string Norm(int which, string x) => layers.LayerNorm(new LayerLowering.LayerTensors($"{prefix}.norm{which}", shape, weights), x, $"{at}.norm{which}", width, block.Eps);
            string FeedForward(string x)
            {
                var hidden = layers.PerStepLinear(new LayerLowering.LayerTensors($"{prefix}.linear1", shape, weights), x, $"{at}.linear1", width, block.FeedForward, bias: true);
                var activated = block.Activation == FeedForwardActivation.Gelu
                    ? layers.Gelu(hidden, $"{at}.gelu")
                    : graph.AddNode("Relu", [hidden], $"{at}.relu");
                return layers.PerStepLinear(new LayerLowering.LayerTensors($"{prefix}.linear2", shape, weights), activated, $"{at}.linear2", block.FeedForward, width, bias: true);
            }

            if (block.NormFirst)
            {
                var attended = graph.AddNode("Add", [current, Attend(Norm(1, current))], $"{at}.attention_residual");
                current = graph.AddNode("Add", [attended, FeedForward(Norm(2, attended))], $"{at}.output");
            }
            else
            {
                var attended = Norm(1, graph.AddNode("Add", [current, Attend(current)], $"{at}.attention_residual"));
                current = Norm(2, graph.AddNode("Add", [attended, FeedForward(attended)], $"{at}.feed_forward_residual"));
            }
        }
        return current;
    }

    private LayerLowering.LayerTensors Tensors(string prefix, LayerLowering.LayerTensors within) => new(prefix, within.Shape, weights);

    /// <summary>[batch, 1, 1, sequence] bool, true at padded keys of a sample that has a real token; null without a token mask.</summary>
    private string? KeyMask()
    {
        if (mask is null) return null;
        if (_keyMask is not null) return _keyMask;
        var anyReal = graph.AddNode("Cast",
            [graph.AddNode("ReduceMax", [mask.Valid], "mask.any_real_float", GraphBuilder.Attribute("axes", [1L]), GraphBuilder.Attribute("keepdims", 1L))],
            "mask.any_real", GraphBuilder.Attribute("to", (long)Protobuf.TensorProto.Types.DataType.Bool));
        var keys = graph.AddNode("And", [mask.Padded, anyReal], "mask.keys");
        return _keyMask = graph.AddNode("Unsqueeze", [keys, graph.AddInitializer("mask.key_axes", [1L, 2L], [2])], "mask.keys_by_head");
    }
}
