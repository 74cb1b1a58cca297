using Portal.Engine.Models;

namespace Portal.Engine.Onnx;

/// <summary>
/// How faithfully attention exports: ONNX Runtime on the exported file against TorchSharp's forward pass (eval mode)
/// on the same seeded weights, on the token batches <see cref="RecurrentParity"/> feeds (padded to mixed lengths, one
/// sample without any token, shorter than the spec's maximum). The variants are self-attention with and without
/// biases (every step's output), and two-layer transformer encoders post-norm with ReLU and pre-norm with GELU, each
/// pooled. The models benchmark reports <see cref="MaxAbs"/> as <c>attention_parity_max_abs</c>.
/// </summary>
public static class AttentionParity
{
    /// <summary>The largest |ONNX Runtime − TorchSharp| over the variants, weights seeded by <paramref name="seed"/>.</summary>
    public static float MaxAbs(int seed = 1)
    {
        LayerSpec[][] variants =
        [
            [new PositionalEncodingLayer(), new MultiHeadAttentionLayer(2)],
            [new MultiHeadAttentionLayer(4, Bias: false)],
            [new PositionalEncodingLayer(), new TransformerEncoderBlock(Heads: 2, FeedForward: 16, Layers: 2), new SequencePoolLayer()],
            [new PositionalEncodingLayer(PositionalEncodingKind.Sinusoidal),
                new TransformerEncoderBlock(Heads: 4, FeedForward: 16, Layers: 2, Activation: FeedForwardActivation.Gelu, NormFirst: true),
                new SequencePoolLayer(SequencePooling.First)],
        ];
        var max = 0f;
        foreach (var layers in variants)
        {
            var spec = RecurrentParity.TokenSpec(new SequentialBlock(layers));
            var weights = ModelInitialization.Seeded(spec, seed);
            max = MathF.Max(max, RecurrentParity.Measure(spec, weights, OnnxExporter.Export(spec, weights), RecurrentParity.PaddedTokens(seed)));
        }
        return max;
    }
}
