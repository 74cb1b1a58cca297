using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Tests.Compression;

namespace Portal.Engine.Tests.Onnx;

/// <summary>ONNX Runtime on exported LSTM and GRU layers against TorchSharp's eval forward on the same weights.</summary>
public sealed class RecurrentExportParityTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string, int, bool, RecurrentOutput> Variants()
    {
        var variants = new TheoryData<string, int, bool, RecurrentOutput>();
        foreach (var kind in new[] { "lstm", "gru" })
            foreach (var layers in new[] { 1, 2 })
                foreach (var bidirectional in new[] { false, true })
                    foreach (var output in new[] { RecurrentOutput.Last, RecurrentOutput.Sequence })
                        variants.Add(kind, layers, bidirectional, output);
        return variants;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Padded_token_batches_of_mixed_lengths_fed_shorter_than_the_maximum_match_TorchSharp(string kind, int layers, bool bidirectional, RecurrentOutput output)
    {
        var spec = RecurrentParity.TokenSpec(Layer(kind, layers, bidirectional, output));
        var tokens = RecurrentParity.PaddedTokens(seed: layers);
        Assert.True(tokens.Shape[1] < spec.InputShape[0]);

        var diff = ExportAndCompare(spec, tokens, seed: 3);

        Assert.True(diff <= Tolerance, $"{spec.Name}: max |ORT − TorchSharp| = {diff}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Float_sequences_without_tokens_match_TorchSharp(string kind, int layers, bool bidirectional, RecurrentOutput output)
    {
        var spec = RecurrentParity.FloatSpec(Layer(kind, layers, bidirectional, output));

        var diff = ExportAndCompare(spec, RecurrentParity.FloatSequences(seed: 4), seed: 5);

        Assert.True(diff <= Tolerance, $"{spec.Name}: max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void Different_weights_give_a_difference_the_comparison_sees()
    {
        // Guards the comparison itself: the parity tests above could not fail if it always returned zero.
        var spec = RecurrentParity.TokenSpec(new LstmLayer(6, 2, Bidirectional: true));
        var exported = OnnxExporter.Export(spec, ModelInitialization.Seeded(spec, 1));

        var diff = RecurrentParity.Measure(spec, ModelInitialization.Seeded(spec, 2), exported, RecurrentParity.PaddedTokens(seed: 1));

        Assert.True(diff > 1e-2f, $"max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void The_benchmark_figures_stay_within_tolerance()
    {
        var lstm = RecurrentParity.LstmMaxAbs();
        var gru = RecurrentParity.GruMaxAbs();

        Assert.True(lstm <= Tolerance, $"lstm_parity_max_abs = {lstm}");
        Assert.True(gru <= Tolerance, $"gru parity max abs = {gru}");
    }

    [Fact]
    public void A_recurrent_text_model_declares_dynamic_batch_and_sequence_and_passes_the_checker()
    {
        var spec = RecurrentParity.TokenSpec(new GruLayer(6, 2, Bidirectional: true));
        var exported = OnnxExporter.Export(spec, ModelInitialization.Seeded(spec, 1));

        var input = Assert.Single(OnnxInspector.Read(exported).Inputs);
        Assert.Equal([OnnxExporter.BatchDimension, OnnxExporter.SequenceDimension], input.Dimensions.Select(d => d.Symbol));
        CompressionFixtures.CheckWithOnnxChecker(exported);
    }

    private static LayerSpec Layer(string kind, int layers, bool bidirectional, RecurrentOutput output) => kind switch
    {
        "lstm" => new LstmLayer(6, layers, bidirectional, output),
        "gru" => new GruLayer(6, layers, bidirectional, output),
        _ => throw new ArgumentException(kind),
    };

    private static float ExportAndCompare(ModelSpec spec, InferenceTensor input, int seed)
    {
        var weights = ModelInitialization.Seeded(spec, seed);
        return RecurrentParity.Measure(spec, weights, OnnxExporter.Export(spec, weights), input);
    }
}
