using Portal.Engine.Models;
using Portal.Engine.Platform;
using TorchSharp;

namespace Portal.Engine.Tests.Models;

public sealed class AttentionSpecTests
{
    private static ModelSpec Tokens(params LayerSpec[] layers) =>
        new("t", [12], [new EmbeddingLayer(50, 8, PaddingIndex: 0), .. layers], new TokenInput());

    [Fact]
    public void Heads_that_do_not_divide_the_width_fail_naming_the_block_path_and_the_shape()
    {
        var spec = Tokens(new SequentialBlock([new LayerNormLayer(), new MultiHeadAttentionLayer(3)]), new SequencePoolLayer(), new LinearLayer(2));

        var e = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Equal("layers[1].layers[1] (multiHeadAttention): 3 heads must divide the width 8 of [12,8].", e.Message);
    }

    [Fact]
    public void An_encoder_whose_width_changes_inside_a_residual_fails_naming_both_shapes()
    {
        var spec = Tokens(new ResidualBlock([new TransformerEncoderBlock(Heads: 2, FeedForward: 16), new LinearLayer(6)]), new SequencePoolLayer(), new LinearLayer(2));

        var e = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[1] (residual): the body gives [12,6] but the input gives [12,8]", e.Message);
    }

    [Fact]
    public void Encoder_heads_that_do_not_divide_the_width_fail_naming_the_path()
    {
        var e = Assert.Throws<ModelSpecException>(() => Tokens(new TransformerEncoderBlock(Heads: 5, FeedForward: 16), new SequencePoolLayer()).Infer());

        Assert.Equal("layers[1] (transformerEncoder): 5 heads must divide the width 8 of [12,8].", e.Message);
    }

    [Fact]
    public void Attention_and_encoder_weights_carry_PyTorchs_names_and_the_counted_sizes()
    {
        var spec = Tokens(new MultiHeadAttentionLayer(2), new TransformerEncoderBlock(Heads: 2, FeedForward: 16, Layers: 2, NormFirst: true), new SequencePoolLayer(), new LinearLayer(3));
        NativeRuntime.EnsureStarted();
        using var scope = torch.NewDisposeScope();
        using var network = NetworkFactory.Build(spec);
        var weights = NetworkFactory.ExportWeights(network);

        string[] attention = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"];
        string[] encoderLayer = [.. attention.Select(a => $"self_attn.{a}"), "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"];
        string[] expected = ["0.weight", .. attention.Select(a => $"1.{a}"), .. encoderLayer.Select(n => $"2.layers.0.{n}"), .. encoderLayer.Select(n => $"2.layers.1.{n}"), "4.weight", "4.bias"];
        Assert.Equal(expected.Order(), weights.Tensors.Select(t => t.Name).Order());
        Assert.Equal([24, 8], weights["1.in_proj_weight"].Shape);
        Assert.Equal([16, 8], weights["2.layers.1.linear1.weight"].Shape);

        var report = spec.Infer();
        Assert.Equal(report.TotalParameters, weights.Tensors.Sum(t => (long)t.Data.Length));
        Assert.Equal(weights.Tensors.Where(t => t.Name.StartsWith("2.", StringComparison.Ordinal)).Sum(t => (long)t.Data.Length), report.At("layers[2]").Parameters);
        Assert.Equal(1_429_381, ReadySpecs.TextTransformer.ParameterCount);
    }

    [Fact]
    public void Attention_starts_as_PyTorch_initialises_it()
    {
        NativeRuntime.EnsureStarted();
        using var scope = torch.NewDisposeScope();
        using var network = NetworkFactory.Build(Tokens(new MultiHeadAttentionLayer(2), new SequencePoolLayer()));
        var weights = NetworkFactory.ExportWeights(network);

        // Xavier-uniform in-projection over [24, 8], zero biases.
        var bound = MathF.Sqrt(6f / (24 + 8));
        Assert.All(weights["1.in_proj_weight"].Data, v => Assert.InRange(v, -bound, bound));
        Assert.All(weights["1.in_proj_bias"].Data, v => Assert.Equal(0f, v));
        Assert.All(weights["1.out_proj.bias"].Data, v => Assert.Equal(0f, v));
    }
}
