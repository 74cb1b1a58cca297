using Portal.Engine.Models;
using Portal.Engine.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Portal.Engine.Tests.Models;

public sealed class RecurrentModuleTests
{
    public RecurrentModuleTests() => NativeRuntime.EnsureStarted();

    private static readonly ModelSpec s_tokens = new("tokens", [12],
        [new EmbeddingLayer(20, 8, PaddingIndex: 0), new LstmLayer(5, 2, Bidirectional: true, RecurrentOutput.Sequence)])
    { Tokens = new TokenInput(0) };

    [Theory]
    [InlineData("lstm", 1728)]
    [InlineData("gru", 1296)]
    public void Parameters_carry_PyTorch_names_and_shapes_and_libtorch_counts_what_shape_inference_reports(string kind, long expected)
    {
        // Two bidirectional layers of 6 on 8 features: per direction, gates·6·(8 + 6 + 2) in layer 0 and gates·6·(12 + 6 + 2) in layer 1.
        LayerSpec layer = kind == "lstm" ? new LstmLayer(6, 2, Bidirectional: true) : new GruLayer(6, 2, Bidirectional: true);
        var spec = new ModelSpec(kind, [7, 8], [layer]);
        var gates = kind == "lstm" ? 4 : 3;
        using var network = NetworkFactory.Build(spec);

        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

        Assert.Equal(expected, spec.Infer().TotalParameters);
        Assert.Equal(expected, network.parameters().Sum(p => p.numel()));
        Assert.Equal(16, parameters.Count);
        foreach (var direction in new[] { "", "_reverse" })
        {
            Assert.Equal([gates * 6L, 8], parameters[$"0.weight_ih_l0{direction}"]);
            Assert.Equal([gates * 6L, 12], parameters[$"0.weight_ih_l1{direction}"]);
            foreach (var k in new[] { 0, 1 })
            {
                Assert.Equal([gates * 6L, 6], parameters[$"0.weight_hh_l{k}{direction}"]);
                Assert.Equal([gates * 6L], parameters[$"0.bias_ih_l{k}{direction}"]);
                Assert.Equal([gates * 6L], parameters[$"0.bias_hh_l{k}{direction}"]);
            }
        }
    }

    [Theory]
    [InlineData(RecurrentOutput.Last)]
    [InlineData(RecurrentOutput.Sequence)]
    public void A_samples_padded_steps_change_none_of_its_outputs(RecurrentOutput output)
    {
        using var scope = NewDisposeScope();
        var spec = s_tokens with { Layers = [s_tokens.Layers[0], new GruLayer(5, 2, Bidirectional: true, output)] };
        using var network = NetworkFactory.Build(spec);
        network.eval();
        using var _ = no_grad();
        long[] shortSample = [3, 7, 1, 12];

        var alone = network.forward(tensor(shortSample, [1, 4]));
        var padded = network.forward(tensor([.. shortSample, 0, 0, 0, 0, 0, 4, 5, 6, 7, 8, 9, 10, 11, 19], [2, 9L]));

        if (output == RecurrentOutput.Last)
        {
            Assert.Equal(alone[0].data<float>().ToArray(), padded[0].data<float>().ToArray(), new FloatTolerance(1e-6f));
        }
        else
        {
            Assert.Equal(alone[0].data<float>().ToArray(), padded[0, ..4].data<float>().ToArray(), new FloatTolerance(1e-6f));
            Assert.All(padded[0, 4..].data<float>().ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void A_sample_without_tokens_has_no_state()
    {
        using var scope = NewDisposeScope();
        using var network = NetworkFactory.Build(s_tokens);
        network.eval();
        using var _ = no_grad();

        var output = network.forward(tensor(new long[] { 0, 0, 0, 5, 6, 0 }, [2, 3]));

        Assert.All(output[0].data<float>().ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains(output[1].data<float>().ToArray(), v => v != 0f);
    }

    [Fact]
    public void A_network_converted_to_double_precision_converts_its_recurrent_cell_too()
    {
        using var scope = NewDisposeScope();
        using var network = NetworkFactory.Build(new ModelSpec("double", [6, 4], [new LstmLayer(5, 2, Bidirectional: true)]));
        network.eval();
        using var _ = no_grad();
        var x = randn(3, 6, 4);
        var single = network.forward(x).data<float>().ToArray();

        network.to(ScalarType.Float64);
        var converted = network.forward(x.to(ScalarType.Float64));

        Assert.Equal(ScalarType.Float64, converted.dtype);
        Assert.Equal(single, converted.data<double>().ToArray().Select(v => (float)v), new FloatTolerance(1e-5f));
        Assert.All(network.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
    }

    [Fact]
    public void Recurrent_layers_read_from_json_as_a_user_writes_them()
    {
        const string json = """
            {"name": "rnn", "inputShape": [16], "tokens": {"paddingId": 0}, "layers": [
              {"type": "embedding", "vocabulary": 50, "width": 8},
              {"type": "gru", "hiddenSize": 12, "layers": 2, "bidirectional": true, "output": "sequence"},
              {"type": "lstm", "hiddenSize": 6}]}
            """;

        var spec = ModelSpec.FromJson(json);

        Assert.Equal(new GruLayer(12, 2, true, RecurrentOutput.Sequence), spec.Layers[1]);
        Assert.Equal(new LstmLayer(6, 1, false, RecurrentOutput.Last), spec.Layers[2]);
        Assert.Equal([6], spec.Infer().OutputShape);
        Assert.Equal(spec, ModelSpec.FromJson(spec.ToJson()));
    }

    [Fact]
    public void A_recurrent_layer_on_flat_features_names_its_path_and_the_shape_it_received()
    {
        var spec = new ModelSpec("flat", [10], [new LinearLayer(8), new SequentialBlock([new LstmLayer(4)])]);

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[1].layers[0] (lstm)", error.Message);
        Assert.Contains("[sequence, features]", error.Message);
        Assert.Contains("[8]", error.Message);
    }
}
