using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Tests.Compression;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Onnx;

/// <summary>
/// Token models exported to ONNX against TorchSharp on the same weights, fed padded batches of mixed lengths at a
/// length shorter than the spec's maximum, as ONNX Runtime's dynamic sequence dimension allows.
/// </summary>
public sealed class SequenceLayerParityTests
{
    internal const float Tolerance = 1e-4f;
    internal const int Vocabulary = 40;
    private const int MaxLength = 12;
    internal const int FedLength = 9;

    public static TheoryData<string> TokenSpecs => [.. s_tokenSpecs.Keys];

    /// <summary>The token spec the layer tests know as <paramref name="name"/>.</summary>
    internal static ModelSpec Spec(string name) => s_tokenSpecs[name];

    internal static ModelSpec Tokens(string name, params LayerSpec[] layers) =>
        new(name, [MaxLength], [new EmbeddingLayer(Vocabulary, 8, PaddingIndex: 0), .. layers], new TokenInput(PaddingId: 0));

    private static readonly Dictionary<string, ModelSpec> s_tokenSpecs = new()
    {
        ["embedding"] = Tokens("embedding", new SequencePoolLayer()),
        ["positional-learned"] = Tokens("pos-learned", new PositionalEncodingLayer(PositionalEncodingKind.Learned), new SequencePoolLayer()),
        ["positional-sinusoidal"] = Tokens("pos-sin", new PositionalEncodingLayer(PositionalEncodingKind.Sinusoidal), new SequencePoolLayer()),
        ["layerNorm"] = Tokens("layer-norm", new LayerNormLayer(), new SequencePoolLayer()),
        ["sequencePool-mean"] = Tokens("pool-mean", new LinearLayer(6), new SequencePoolLayer(SequencePooling.Mean)),
        ["sequencePool-first"] = Tokens("pool-first", new LinearLayer(6), new SequencePoolLayer(SequencePooling.First)),
        ["conv1d"] = Tokens("conv1d", new Conv1dLayer(6, 3, Padding: 1), new SequencePoolLayer()),
        ["multiHeadAttention"] = Tokens("mha", new PositionalEncodingLayer(), new MultiHeadAttentionLayer(2), new SequencePoolLayer()),
        ["multiHeadAttention-without-bias"] = Tokens("mha-nb", new MultiHeadAttentionLayer(4, Bias: false), new SequencePoolLayer(SequencePooling.First)),
        ["transformerEncoder-post-norm"] = Tokens("enc-post", new PositionalEncodingLayer(), new TransformerEncoderBlock(Heads: 2, FeedForward: 16, Layers: 2), new SequencePoolLayer()),
        ["transformerEncoder-pre-norm-gelu"] = Tokens("enc-pre", new PositionalEncodingLayer(PositionalEncodingKind.Sinusoidal),
            new TransformerEncoderBlock(Heads: 4, FeedForward: 12, Layers: 2, Activation: FeedForwardActivation.Gelu, NormFirst: true), new SequencePoolLayer()),
        ["attention-in-a-residual-block"] = Tokens("residual-mha", new ResidualBlock([new LayerNormLayer(), new MultiHeadAttentionLayer(2)]), new LinearLayer(3), new SequencePoolLayer()),
    };

    [Theory]
    [MemberData(nameof(TokenSpecs))]
    public void Each_sequence_layer_matches_TorchSharp_on_padded_batches_shorter_than_the_maximum(string name)
    {
        var spec = s_tokenSpecs[name];
        var diff = ExportAndCompare(spec, TokenBatch.Random(batch: 6, FedLength, Vocabulary, seed: name.Length), seed: 3);
        Assert.True(diff <= Tolerance, $"{name}: max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void The_ready_text_transformer_matches_TorchSharp_at_full_and_shorter_lengths()
    {
        var spec = ReadySpecs.TextTransformer;
        var vocabulary = ((EmbeddingLayer)spec.Layers[0]).Vocabulary;
        foreach (var length in new[] { spec.InputShape[0], 17 })
        {
            var diff = ExportAndCompare(spec, TokenBatch.Random(batch: 5, length, vocabulary, seed: length), seed: 4);
            Assert.True(diff <= Tolerance, $"length {length}: max |ORT − TorchSharp| = {diff}");
        }
    }

    [Fact]
    public void A_sample_that_is_all_padding_gives_finite_outputs_in_both()
    {
        var spec = s_tokenSpecs["transformerEncoder-pre-norm-gelu"];
        var weights = TokenBatch.Weights(spec, seed: 5);
        var batch = TokenBatch.Random(batch: 4, FedLength, Vocabulary, seed: 6, withEmptySample: true);

        var ort = RunTokens(OnnxExporter.Export(spec, weights), batch);
        var torch = batch.TorchForward(spec, weights);

        Assert.All(ort, v => Assert.True(float.IsFinite(v)));
        Assert.All(torch, v => Assert.True(float.IsFinite(v)));
        Assert.InRange(TorchReference.MaxAbsDifference(ort, torch), 0f, Tolerance);
    }

    [Fact]
    public void Padding_after_the_real_tokens_does_not_change_an_attention_models_output()
    {
        // The key mask at work: the same sample padded to two lengths must give the same answer.
        var spec = s_tokenSpecs["transformerEncoder-post-norm"];
        var weights = TokenBatch.Weights(spec, seed: 7);
        var onnx = OnnxExporter.Export(spec, weights);
        long[] real = [5, 9, 2, 7];
        var shorter = new TokenBatch([.. real, 0, 0], 1, 6);
        var longer = new TokenBatch([.. real, 0, 0, 0, 0, 0, 0, 0, 0], 1, MaxLength);

        Assert.InRange(TorchReference.MaxAbsDifference(RunTokens(onnx, shorter), RunTokens(onnx, longer)), 0f, 1e-5f);
        Assert.InRange(TorchReference.MaxAbsDifference(shorter.TorchForward(spec, weights), longer.TorchForward(spec, weights)), 0f, 1e-5f);
    }

    [Fact]
    public void Attention_over_a_float_sequence_matches_TorchSharp()
    {
        foreach (LayerSpec end in new LayerSpec[] { new FlattenLayer(), new SequencePoolLayer() })
        {
            var spec = new ModelSpec("float-mha", [7, 8], [new MultiHeadAttentionLayer(2), new TransformerEncoderBlock(Heads: 2, FeedForward: 8), end]);
            var weights = TokenBatch.Weights(spec, seed: 8);
            var input = TorchReference.RandomFeatures(3 * 7 * 8, seed: 9, low: -2f, high: 2f);

            var ort = OrtReference.Run(OnnxExporter.Export(spec, weights), input, [3, 7, 8]);
            var torch = TorchReference.Forward(spec, weights, input, 3);

            Assert.InRange(TorchReference.MaxAbsDifference(ort, torch), 0f, Tolerance);
        }
    }

    [Fact]
    public void Different_attention_weights_give_a_difference_the_comparison_sees()
    {
        // Guards the comparison: attention weights that are not exported faithfully must show.
        var spec = s_tokenSpecs["multiHeadAttention"];
        var batch = TokenBatch.Random(batch: 3, FedLength, Vocabulary, seed: 10);
        var weights = TokenBatch.Weights(spec, seed: 11);
        var other = new ModelWeights(weights.Tensors.Select(t => t.Name.EndsWith("in_proj_weight", StringComparison.Ordinal)
            ? t with { Data = [.. t.Data.Select(v => -v)] } : t));

        Assert.True(TorchReference.MaxAbsDifference(RunTokens(OnnxExporter.Export(spec, other), batch), batch.TorchForward(spec, weights)) > 1e-3f);
    }

    [Fact]
    public void An_exported_text_transformer_passes_the_onnx_checker()
    {
        var spec = ReadySpecs.TextTransformer;
        CompressionFixtures.CheckWithOnnxChecker(OnnxExporter.Export(spec, TokenBatch.Weights(spec, seed: 12), new OnnxExportOptions { ClassLabels = ["a", "b", "c", "d", "e"] }));
    }

    [Fact]
    public void An_output_that_keeps_the_sequence_declares_it_dynamic_and_matches_at_a_shorter_length()
    {
        var spec = Tokens("per-token", new TransformerEncoderBlock(Heads: 2, FeedForward: 16), new LinearLayer(3));
        var weights = TokenBatch.Weights(spec, seed: 14);
        var onnx = OnnxExporter.Export(spec, weights);
        var batch = TokenBatch.Random(batch: 3, FedLength, Vocabulary, seed: 15);

        Assert.Equal("'output' (float32 [batch,sequence,3])", OnnxInspector.Read(onnx).Outputs[0].ToString());
        Assert.InRange(TorchReference.MaxAbsDifference(RunTokens(onnx, batch), batch.TorchForward(spec, weights)), 0f, Tolerance);
    }

    [Fact]
    public void The_benchmarks_attention_parity_stays_within_the_tolerance()
    {
        Assert.InRange(AttentionParity.MaxAbs(), 0f, Tolerance);
    }

    [Fact]
    public void A_token_model_is_not_exported_with_a_standardisation()
    {
        var spec = s_tokenSpecs["embedding"];
        var standardization = new FeatureStandardization(StandardizationMode.PerFeature, [MaxLength], new float[MaxLength], Enumerable.Repeat(1f, MaxLength).ToArray());

        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(spec, TokenBatch.Weights(spec, 13), new OnnxExportOptions { Standardization = standardization }));

        Assert.Contains("takes token ids, which are never standardised", e.Message);
    }

    private static float ExportAndCompare(ModelSpec spec, TokenBatch batch, int seed)
    {
        var weights = TokenBatch.Weights(spec, seed);
        var ort = RunTokens(OnnxExporter.Export(spec, weights), batch);
        return TorchReference.MaxAbsDifference(ort, batch.TorchForward(spec, weights));
    }

    private static float[] RunTokens(byte[] model, TokenBatch batch) => batch.RunOnnxRuntime(model);
}
