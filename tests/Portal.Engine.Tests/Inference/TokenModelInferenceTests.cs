using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Tests.Compression;
using Portal.Engine.Tests.Onnx;

namespace Portal.Engine.Tests.Inference;

/// <summary>Exported token models run by ONNX Runtime through the engine: ids arrive as floats, as datasets hold them.</summary>
public sealed class TokenModelInferenceTests
{
    private static readonly InferenceOptions s_cpu = new() { IntraOpThreads = 1, PreferCuda = false };

    private static readonly ModelSpec s_spec = new("tokens", [12],
    [
        new EmbeddingLayer(40, 8, PaddingIndex: 0),
        new PositionalEncodingLayer(),
        new TransformerEncoderBlock(Heads: 2, FeedForward: 16),
        new SequencePoolLayer(),
        new LinearLayer(3),
    ], new TokenInput(PaddingId: 0));

    private static byte[] Export(ModelSpec spec, int seed, IReadOnlyList<string>? labels = null) =>
        OnnxExporter.Export(spec, TokenBatch.Weights(spec, seed), new OnnxExportOptions { ClassLabels = labels });

    [Fact]
    public void A_token_model_declares_its_ids_their_maximum_length_and_vocabulary()
    {
        using var model = InferenceModel.Load(Export(s_spec, 1), s_cpu, "tokens.onnx");

        Assert.Null(model.BatchedFloat);
        Assert.Equal(new BatchedTokenSignature("input", null, 12, 40, "output", 3, null), model.BatchedTokens);
        Assert.Same(model.BatchedTokens, model.Batched);
    }

    [Fact]
    public void Float_held_ids_of_any_length_up_to_the_maximum_give_what_int64_ids_give()
    {
        var weights = TokenBatch.Weights(s_spec, 2);
        using var model = InferenceModel.Load(OnnxExporter.Export(s_spec, weights), s_cpu);
        foreach (var length in new[] { 12, 5 })
        {
            var batch = TokenBatch.Random(4, length, 40, seed: length);

            var output = model.Run(batch.AsFloats, 4);

            Assert.InRange(TorchReference.MaxAbsDifference(output, batch.TorchForward(s_spec, weights)), 0f, 1e-4f);
        }
    }

    [Theory]
    [InlineData(3.5f, "holds 3.5 at sample 1, position 2, which is not a token id (a whole number from 0 to 39)")]
    [InlineData(40f, "holds 40 at sample 1, position 2")]
    [InlineData(float.NaN, "holds NaN at sample 1, position 2")]
    public void A_value_that_is_not_an_id_is_refused_before_the_runtime_sees_it(float value, string expected)
    {
        using var model = InferenceModel.Load(Export(s_spec, 3), s_cpu, "tokens.onnx");
        var ids = TokenBatch.Random(2, 6, 40, seed: 4).AsFloats;
        ids[6 + 2] = value;

        var e = Assert.Throws<InferenceInputException>(() => model.Run(ids, 2));

        Assert.Contains($"Input 'input' of model 'tokens.onnx' {expected}", e.Message);
    }

    [Fact]
    public void A_sequence_longer_than_the_maximum_is_refused_naming_both_lengths()
    {
        using var model = InferenceModel.Load(Export(s_spec, 5), s_cpu, "tokens.onnx");

        var e = Assert.Throws<InferenceInputException>(() => model.Run(new float[2 * 13], 2));

        Assert.Contains("takes at most 12 tokens per sample, not 13", e.Message);
    }

    [Fact]
    public void Onnx_evaluation_of_a_token_model_scores_as_the_torch_evaluation_does()
    {
        var weights = TokenBatch.Weights(s_spec, 6);
        var batch = TokenBatch.Random(50, 12, 40, seed: 7);
        var labels = Enumerable.Range(0, 50).Select(i => i % 3).ToArray();
        var data = new Dataset("ids", batch.AsFloats, [12], labels, ["a", "b", "c"]);
        using var model = InferenceModel.Load(OnnxExporter.Export(s_spec, weights, new OnnxExportOptions { ClassLabels = ["a", "b", "c"] }), s_cpu);

        var onnx = OnnxEvaluator.Evaluate(model, data, CancellationToken.None);
        var torch = ModelEvaluator.Evaluate(new TrainedModel(s_spec, weights, null, ["a", "b", "c"]), data);

        Assert.Null(OnnxEvaluator.Misfit(model, data));
        Assert.Equal(torch.Report.ConfusionMatrix, onnx.ConfusionMatrix);
    }

    [Fact]
    public void The_parity_check_measures_a_token_model_on_float_held_ids()
    {
        var spec = ReadySpecs.TextTransformer;
        var weights = TokenBatch.Weights(spec, 8);
        var onnx = OnnxExporter.Export(spec, weights);

        var report = OnnxParityCheck.Measure(spec, weights, onnx, TokenBatch.Random(6, 64, ReadySpecs.TextVocabulary, seed: 9).AsFloats, batchSize: 4);

        Assert.Equal(6, report.Samples);
        Assert.InRange(report.MaxAbsDifference, 0f, 1e-4f);
        Assert.True(OnnxParityCheck.Measure(spec, TokenBatch.Weights(spec, 10), onnx, TokenBatch.Random(2, 64, ReadySpecs.TextVocabulary, seed: 9).AsFloats).MaxAbsDifference > 1e-3f);
    }

    [Fact]
    public async Task A_token_model_is_timed_on_its_samples_or_on_seeded_ids()
    {
        using var model = InferenceModel.Load(Export(s_spec, 11), s_cpu);

        var seeded = await CompressionFixtures.QuickMeter.Time([model], ReadOnlyMemory<float>.Empty, CancellationToken.None);
        var sampled = await CompressionFixtures.QuickMeter.Time([model], TokenBatch.Random(5, 12, 40, seed: 12).AsFloats, CancellationToken.None);

        Assert.All(seeded.Concat(sampled), t => Assert.True(t.P50Ms > 0 && t.SamplesPerSecond > 0));
    }
}
