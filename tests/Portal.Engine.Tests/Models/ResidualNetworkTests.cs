using Portal.Engine.Models;
using Portal.Engine.Platform;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Tests.Models;

[Collection(NativeRandomCollection.Name)]
public sealed class ResidualNetworkTests
{
    public ResidualNetworkTests() => NativeRuntime.EnsureStarted();

    [Fact]
    public void Ready_resnet_reports_each_block_with_its_shapes_and_parameters()
    {
        var report = ReadySpecs.FashionResnet.Infer();

        long Block(int input, int channels, bool projected) =>
            channels * input * 9 + 2 * channels + channels * channels * 9 + 2 * channels // body: conv, BN, conv, BN
            + (projected ? channels * input + 2 * channels : 0); // projection: 1×1 conv, BN
        var first = report.At("layers[4]");
        Assert.Equal("residual", first.Kind);
        Assert.Equal([32, 14, 14], first.InputShape);
        Assert.Equal([64, 14, 14], first.OutputShape);
        Assert.Equal(Block(32, 64, projected: true), first.Parameters);
        Assert.Equal([64, 14, 14], report.At("layers[6]").OutputShape);
        Assert.Equal(Block(64, 64, projected: false), report.At("layers[6]").Parameters);
        Assert.Equal([128, 7, 7], report.At("layers[8]").OutputShape);
        Assert.Equal(Block(64, 128, projected: true), report.At("layers[8]").Parameters);
        Assert.Equal([128, 7, 7], report.At("layers[8].projection[0]").OutputShape);
        Assert.Equal(128 * 64, report.At("layers[8].projection[0]").Parameters);
        Assert.Equal(Block(128, 128, projected: false), report.At("layers[10]").Parameters);
        Assert.Equal([128, 1, 1], report.At("layers[12]").OutputShape);
        Assert.Equal(32 * 9 + 2 * 32 + Block(32, 64, true) + Block(64, 64, false) + Block(64, 128, true) + Block(128, 128, false) + 128 * 10 + 10,
            report.TotalParameters);
        Assert.Equal([10], report.OutputShape);
    }

    [Fact]
    public void Ready_resnet_network_holds_the_parameters_shape_inference_counts()
    {
        using var scope = NewDisposeScope();
        using var network = NetworkFactory.Build(ReadySpecs.FashionResnet);
        network.eval();

        var output = network.forward(randn(2, 1, 28, 28));

        Assert.Equal([2L, 10], output.shape);
        Assert.Equal(ReadySpecs.FashionResnet.ParameterCount, network.parameters().Sum(p => p.numel()));
        Assert.Contains(network.state_dict().Keys, name => name == "8.projection.0.weight");
    }

    [Fact]
    public void A_residual_that_changes_channels_without_a_projection_names_the_block_and_both_shapes()
    {
        var spec = new ModelSpec("bad", [8, 6, 6], [new Conv2dLayer(4, 1), new ResidualBlock([new Conv2dLayer(16, 3, Padding: 1)])]);

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[1]", error.Message);
        Assert.Contains("[16,6,6]", error.Message);
        Assert.Contains("[4,6,6]", error.Message);
    }

    [Fact]
    public void Residual_sums_keep_the_channels_last_layout_of_the_first_convolution_in_training()
    {
        using var scope = NewDisposeScope();
        using var network = NetworkFactory.Build(ReadySpecs.FashionResnet);
        network.train();
        var layouts = new List<string>();
        foreach (var (name, module) in network.named_children())
        {
            if (module is not nn.Module<Tensor, Tensor> residual || module.GetType().Name != nameof(ResidualModule)) continue;
            residual.register_forward_hook((_, _, output) =>
            {
                layouts.Add($"{name}: strides [{string.Join(',', output.stride())}]");
                Assert.True(output.stride(1) == 1, $"residual {name} gives strides [{string.Join(',', output.stride())}], not channels-last");
                return output;
            });
        }

        network.forward(randn(4, 1, 28, 28)).sum().backward();

        Assert.Equal(4, layouts.Count);
    }
}
