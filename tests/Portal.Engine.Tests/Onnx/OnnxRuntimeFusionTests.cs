using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Onnx.Protobuf;
using Portal.Engine.Tests.Compression;

namespace Portal.Engine.Tests.Onnx;

/// <summary>
/// Attention exported as ONNX Runtime's fused Attention (<see cref="OnnxExportOptions.OnnxRuntimeFusions"/>, what
/// compression's int8 child is built from) against TorchSharp on the same weights, on padded batches with a sample
/// that has no real token; and the standard export that stays free of ONNX Runtime's operators.
/// </summary>
public sealed class OnnxRuntimeFusionTests
{
    private const float Tolerance = 1e-4f;
    private const int Vocabulary = 40;
    private const int MaxLength = 12;
    private const int FedLength = 9;

    private static readonly OnnxExportOptions s_fused = new() { OnnxRuntimeFusions = true };

    public static TheoryData<string> AttentionSpecs => [.. s_specs.Keys];

    private static ModelSpec Tokens(string name, params LayerSpec[] layers) =>
        new(name, [MaxLength], [new EmbeddingLayer(Vocabulary, 8, PaddingIndex: 0), .. layers], new TokenInput(PaddingId: 0));

    /// <summary>Each spec with how many attention layers it holds.</summary>
    private static readonly Dictionary<string, (ModelSpec Spec, int Attentions)> s_specs = new()
    {
        ["multiHeadAttention"] = (Tokens("mha", new PositionalEncodingLayer(), new MultiHeadAttentionLayer(2), new SequencePoolLayer()), 1),
        ["multiHeadAttention-without-bias-first-step"] = (Tokens("mha-nb", new MultiHeadAttentionLayer(4, Bias: false), new SequencePoolLayer(SequencePooling.First)), 1),
        ["transformerEncoder-post-norm"] = (Tokens("enc-post", new PositionalEncodingLayer(), new TransformerEncoderBlock(Heads: 2, FeedForward: 16, Layers: 2), new SequencePoolLayer()), 2),
        ["transformerEncoder-pre-norm-gelu"] = (Tokens("enc-pre", new PositionalEncodingLayer(PositionalEncodingKind.Sinusoidal),
            new TransformerEncoderBlock(Heads: 4, FeedForward: 12, Layers: 2, Activation: FeedForwardActivation.Gelu, NormFirst: true), new SequencePoolLayer()), 2),
        ["attention-in-a-residual-block"] = (Tokens("residual-mha", new ResidualBlock([new LayerNormLayer(), new MultiHeadAttentionLayer(2)]), new LinearLayer(3), new SequencePoolLayer()), 1),
        ["per-token-output"] = (Tokens("per-token", new TransformerEncoderBlock(Heads: 2, FeedForward: 16), new LinearLayer(3)), 1),
    };

    [Theory]
    [MemberData(nameof(AttentionSpecs))]
    public void Fused_attention_matches_TorchSharp_on_padded_batches_with_an_empty_sample(string name)
    {
        var (spec, attentions) = s_specs[name];
        var weights = TokenBatch.Weights(spec, seed: 3);
        var batch = TokenBatch.Random(batch: 6, FedLength, Vocabulary, seed: name.Length, withEmptySample: true);

        var onnx = OnnxExporter.Export(spec, weights, s_fused);

        var nodes = ModelProto.Parser.ParseFrom(onnx).Graph.Node;
        Assert.Equal(attentions, nodes.Count(n => n is { OpType: "Attention", Domain: GraphBuilder.OnnxRuntimeDomain }));
        Assert.DoesNotContain(nodes, n => n.OpType is "Softmax" or "Transpose" or "Where");
        var diff = TorchReference.MaxAbsDifference(batch.RunOnnxRuntime(onnx), batch.TorchForward(spec, weights));
        Assert.True(diff <= Tolerance, $"{name}: max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void Fused_attention_over_a_float_sequence_without_a_mask_matches_TorchSharp()
    {
        var spec = new ModelSpec("float-mha", [7, 8], [new MultiHeadAttentionLayer(2), new TransformerEncoderBlock(Heads: 2, FeedForward: 8), new SequencePoolLayer()]);
        var weights = TokenBatch.Weights(spec, seed: 8);
        var input = TorchReference.RandomFeatures(3 * 7 * 8, seed: 9, low: -2f, high: 2f);

        var onnx = OnnxExporter.Export(spec, weights, s_fused);

        Assert.All(ModelProto.Parser.ParseFrom(onnx).Graph.Node.Where(n => n.OpType == "Attention"), n => Assert.Equal(3, n.Input.Count));
        Assert.InRange(TorchReference.MaxAbsDifference(OrtReference.Run(onnx, input, [3, 7, 8]), TorchReference.Forward(spec, weights, input, 3)), 0f, Tolerance);
    }

    [Fact]
    public void Only_a_fused_export_uses_onnx_runtimes_operators_and_it_declares_their_domain_for_the_checker()
    {
        var spec = ReadySpecs.TextTransformer;
        var weights = TokenBatch.Weights(spec, seed: 12);

        var standard = ModelProto.Parser.ParseFrom(OnnxExporter.Export(spec, weights));
        var fused = OnnxExporter.Export(spec, weights, s_fused);

        Assert.DoesNotContain(standard.Graph.Node, n => n.Domain.Length > 0);
        Assert.Equal([""], standard.OpsetImport.Select(o => o.Domain));
        Assert.Contains(ModelProto.Parser.ParseFrom(fused).OpsetImport, o => o.Domain == GraphBuilder.OnnxRuntimeDomain);
        // onnx.checker knows no com.microsoft schemas: it checks every standard node fully and these by structure.
        CompressionFixtures.CheckWithOnnxChecker(fused);
    }
}
