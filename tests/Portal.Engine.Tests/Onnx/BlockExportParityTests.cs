using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Tests.Onnx;

/// <summary>ONNX parity of blocks (residual, sequential), the image layers that end them and the ready residual net.</summary>
public sealed class BlockExportParityTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> BlockSpecs => [.. s_specs.Keys];

    private static readonly Dictionary<string, ModelSpec> s_specs = new()
    {
        ["residual-identity"] = new("res", [3, 6, 6],
        [
            new ResidualBlock([new Conv2dLayer(3, 3, Padding: 1, Bias: false), new BatchNorm2dLayer(), new ReLULayer(), new Conv2dLayer(3, 3, Padding: 1)]),
            new ReLULayer(),
        ]),
        ["residual-projection"] = new("res-p", [2, 7, 7],
        [
            new ResidualBlock(
                [new Conv2dLayer(4, 3, Stride: 2, Padding: 1, Bias: false), new BatchNorm2dLayer(), new ReLULayer()],
                [new Conv2dLayer(4, 1, Stride: 2, Bias: false), new BatchNorm2dLayer()]),
        ]),
        ["residual-linear"] = new("res-l", [8], [new ResidualBlock([new LinearLayer(8), new TanhLayer()]), new LinearLayer(3)]),
        ["sequential"] = new("seq", [2, 6, 6],
        [
            new SequentialBlock([new Conv2dLayer(3, 3), new BatchNorm2dLayer(), new SequentialBlock([new ReLULayer(), new MaxPool2dLayer(2)])]),
            new FlattenLayer(), new LinearLayer(4),
        ]),
        ["residual-in-sequential"] = new("seq-res", [2, 5, 5],
        [
            new SequentialBlock([new ResidualBlock([new Conv2dLayer(2, 3, Padding: 1), new BatchNorm2dLayer()]), new ReLULayer()]),
        ]),
        ["adaptive-avgpool-global"] = new("gap", [3, 7, 5], [new AdaptiveAvgPool2dLayer()]),
        ["adaptive-avgpool-2"] = new("ap2", [3, 8, 6], [new AdaptiveAvgPool2dLayer(2)]),
        ["softmax"] = new("softmax", [10], [new LinearLayer(6), new SoftmaxLayer()]),
        ["softmax-image"] = new("softmax-i", [2, 3, 4], [new SoftmaxLayer()]),
    };

    [Theory]
    [MemberData(nameof(BlockSpecs))]
    public void Each_block_matches_TorchSharp_within_tolerance(string name)
    {
        var spec = s_specs[name];
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, seed: 4);
        var diff = OnnxExportParityTests.ExportAndCompare(spec, standardization, batch: 5, seed: name.Length);
        Assert.True(diff <= Tolerance, $"{name}: max |ORT − TorchSharp| = {diff}");
    }

    [Theory]
    [InlineData(StandardizationMode.PerChannel, true)]
    [InlineData(StandardizationMode.PerChannel, false)]
    [InlineData(StandardizationMode.PerFeature, true)]
    public void Ready_resnet_matches_TorchSharp_with_standardisation_in_the_graph(StandardizationMode mode, bool fold)
    {
        var spec = ReadySpecs.FashionResnet;
        var standardization = TorchReference.Standardization(spec, mode, seed: 13);
        var diff = OnnxExportParityTests.ExportAndCompare(spec, standardization, batch: 6, seed: 7, fold: fold);
        Assert.True(diff <= Tolerance, $"fashion-resnet: max |ORT − TorchSharp| = {diff}");
    }
}
