using Portal.Engine.Models;
using Portal.Engine.Platform;
using TorchSharp;

namespace Portal.Engine.Tests.Models;

public class BlockSpecTests
{
    private static ModelSpec SmallResidual(IReadOnlyList<LayerSpec>? projection = null, int bodyChannels = 4) => new("res", [4, 8, 8],
    [
        new ResidualBlock(
            [new Conv2dLayer(bodyChannels, 3, Padding: 1), new BatchNorm2dLayer(), new ReLULayer(), new Conv2dLayer(bodyChannels, 3, Padding: 1)],
            projection),
        new AdaptiveAvgPool2dLayer(), new FlattenLayer(), new LinearLayer(3),
    ]);

    [Fact]
    public void A_residual_whose_body_changes_the_shape_is_refused_naming_the_block_and_both_shapes()
    {
        var error = Assert.Throws<ModelSpecException>(() => SmallResidual(bodyChannels: 8).Infer());

        Assert.Contains("layers[0] (residual)", error.Message);
        Assert.Contains("[8,8,8]", error.Message);
        Assert.Contains("[4,8,8]", error.Message);
        Assert.Contains("add a projection", error.Message);
    }

    [Fact]
    public void A_projection_makes_a_shape_changing_residual_valid()
    {
        var report = SmallResidual([new Conv2dLayer(8, 1, Bias: false)], bodyChannels: 8).Infer();

        Assert.Equal([3], report.OutputShape);
        Assert.Equal([8, 1, 1], report.Layers[1].OutputShape);
    }

    [Fact]
    public void An_error_inside_a_block_names_the_path_to_the_layer()
    {
        var spec = new ModelSpec("deep", [4, 8, 8],
        [
            new SequentialBlock([new ReLULayer(), new ResidualBlock([new ReLULayer(), new LinearLayer(4)])]),
        ]);

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.StartsWith("layers[0].layers[1].body[1] (linear)", error.Message);
        Assert.Contains("[4,8,8]", error.Message);
    }

    [Fact]
    public void Parameters_are_reported_per_block_at_every_depth_and_add_up_to_the_total()
    {
        var report = SmallResidual([new Conv2dLayer(8, 1, Bias: false)], bodyChannels: 8).Infer();

        var body = (8 * 4 * 9 + 8) + 16 + (8 * 8 * 9 + 8);
        var projection = 8 * 4;
        Assert.Equal(body + projection, report.At("layers[0]").Parameters);
        Assert.Equal(8 * 4 * 9 + 8, report.At("layers[0].body[0]").Parameters);
        Assert.Equal(projection, report.At("layers[0].projection[0]").Parameters);
        Assert.Equal(1, report.At("layers[0].body[3]").Depth);
        Assert.Equal(body + projection + 8 * 3 + 3, report.TotalParameters);
        Assert.Equal(["layers[0]", "layers[0].body[0]", "layers[0].body[1]", "layers[0].body[2]", "layers[0].body[3]", "layers[0].projection[0]", "layers[1]", "layers[2]", "layers[3]"],
            report.Blocks.Select(b => b.Path));
    }

    [Fact]
    public void Block_parameter_counts_equal_the_networks_own()
    {
        NativeRuntime.EnsureStarted();
        var spec = SmallResidual([new Conv2dLayer(8, 1, Bias: false)], bodyChannels: 8);

        using var network = NetworkFactory.Build(spec);

        Assert.Equal(spec.Infer().TotalParameters, network.parameters().Sum(p => p.numel()));
        Assert.Contains(network.named_parameters(), p => p.name == "0.body.3.weight");
        Assert.Contains(network.named_parameters(), p => p.name == "0.projection.0.weight");
    }

    [Fact]
    public void A_token_spec_without_an_embedding_is_refused()
    {
        var spec = new ModelSpec("tokens", [16], [new LinearLayer(2)], new TokenInput());

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[0] (linear): receives token ids [16]; start with an embedding layer", error.Message);
    }

    [Fact]
    public void An_embedding_on_float_features_is_refused()
    {
        var error = Assert.Throws<ModelSpecException>(() => new ModelSpec("floats", [16], [new EmbeddingLayer(10, 4)]).Infer());

        Assert.Contains("expects token ids", error.Message);
    }

    [Fact]
    public void A_layer_that_needs_the_padding_mask_after_the_sequence_length_changed_is_refused()
    {
        var spec = new ModelSpec("short", [16], [new EmbeddingLayer(10, 4), new Conv1dLayer(4, 3), new SequencePoolLayer()], new TokenInput());

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[2] (sequencePool)", error.Message);
        Assert.Contains("covers 16 steps", error.Message);
    }

    [Fact]
    public void Block_and_sequence_specs_round_trip_through_json_with_readable_names()
    {
        var spec = new ModelSpec("text", [32],
        [
            new EmbeddingLayer(100, 8, PaddingIndex: 0), new PositionalEncodingLayer(PositionalEncodingKind.Sinusoidal),
            new SequentialBlock([new LayerNormLayer(), new Conv1dLayer(8, 3, Padding: 1)]),
            new ResidualBlock([new LinearLayer(8), new GELULayer()]),
            new SequencePoolLayer(SequencePooling.First), new LinearLayer(3), new SoftmaxLayer(),
        ], new TokenInput(PaddingId: 0));

        var json = spec.ToJson();
        var back = ModelSpec.FromJson(json);

        Assert.Equal(spec, back);
        Assert.Contains("\"encoding\": \"sinusoidal\"", json);
        Assert.Contains("\"pooling\": \"first\"", json);
        Assert.Contains("\"type\": \"residual\"", json);
        Assert.Contains("\"tokens\": {", json);
    }

    [Fact]
    public void Float_specs_are_written_without_a_tokens_member_as_before()
    {
        Assert.DoesNotContain("tokens", ReadySpecs.FashionCnn.ToJson());
    }

    [Fact]
    public void Token_network_masks_padding_in_mean_pooling()
    {
        NativeRuntime.EnsureStarted();
        var spec = new ModelSpec("pool", [4], [new EmbeddingLayer(5, 2, PaddingIndex: 0), new SequencePoolLayer()], new TokenInput());
        using var network = NetworkFactory.Build(spec);
        network.eval();

        using var scope = torch.NewDisposeScope();
        var padded = network.forward(torch.tensor(new float[] { 3, 4, 0, 0 }, [1, 4]));
        var unpadded = network.forward(torch.tensor(new float[] { 3, 4 }, [1, 2]));

        Assert.Equal(unpadded.data<float>().ToArray(), padded.data<float>().ToArray());
    }
}
