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
    private const float Tolerance = SequenceLayerParityTests.Tolerance;

    private static readonly OnnxExportOptions s_fused = new() { OnnxRuntimeFusions = true };

    /// <summary>The layer tests' attention specs, each with how many attention layers it holds.</summary>
    private static readonly Dictionary<string, int> s_attentions = new()
    {
        ["multiHeadAttention"] = 1,
        ["multiHeadAttention-without-bias"] = 1,
        ["transformerEncoder-post-norm"] = 2,
        ["transformerEncoder-pre-norm-gelu"] = 2,
        ["attention-in-a-residual-block"] = 1,
    };

    public static TheoryData<string> AttentionSpecs => [.. s_attentions.Keys];

    [Theory]
    [MemberData(nameof(AttentionSpecs))]
    public void Fused_attention_matches_TorchSharp_on_padded_batches_with_an_empty_sample(string name)
    {
        var spec = SequenceLayerParityTests.Spec(name);
        var weights = TokenBatch.Weights(spec, seed: 3);
        var batch = TokenBatch.Random(batch: 6, SequenceLayerParityTests.FedLength, SequenceLayerParityTests.Vocabulary, seed: name.Length, withEmptySample: true);

        var onnx = OnnxExporter.Export(spec, weights, s_fused);

        var nodes = ModelProto.Parser.ParseFrom(onnx).Graph.Node;
        Assert.Equal(s_attentions[name], nodes.Count(n => n is { OpType: "Attention", Domain: GraphBuilder.OnnxRuntimeDomain }));
        Assert.DoesNotContain(nodes, n => n.OpType is "Softmax" or "Transpose" or "Where");
        var diff = TorchReference.MaxAbsDifference(batch.RunOnnxRuntime(onnx), batch.TorchForward(spec, weights));
        Assert.True(diff <= Tolerance, $"{name}: max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void Fused_attention_matches_TorchSharp_at_every_step_of_an_output_that_keeps_the_sequence()
    {
        // Padded queries' outputs are compared too: their rows attend to the real keys alone, as in TorchSharp.
        var spec = SequenceLayerParityTests.Tokens("per-token", new TransformerEncoderBlock(Heads: 2, FeedForward: 16), new LinearLayer(3));
        var weights = TokenBatch.Weights(spec, seed: 14);
        var batch = TokenBatch.Random(batch: 4, SequenceLayerParityTests.FedLength, SequenceLayerParityTests.Vocabulary, seed: 15, withEmptySample: true);

        var onnx = OnnxExporter.Export(spec, weights, s_fused);

        Assert.InRange(TorchReference.MaxAbsDifference(batch.RunOnnxRuntime(onnx), batch.TorchForward(spec, weights)), 0f, Tolerance);
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
