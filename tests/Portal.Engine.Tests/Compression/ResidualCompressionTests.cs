using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Tests.Compression;

/// <summary>Each compression method on a spec with residual blocks: it works, or it refuses naming the block.</summary>
[Collection(NativeRandomCollection.Name)]
public sealed class ResidualCompressionTests
{
    /// <summary>A stem, a residual block with a strided projection and an identity one, global pooling and a head.</summary>
    private static readonly ModelSpec s_resnet = new("tiny-resnet", [4, 8, 8],
    [
        new Conv2dLayer(8, 3, Padding: 1, Bias: false), new BatchNorm2dLayer(), new ReLULayer(),
        new ResidualBlock(
            [new Conv2dLayer(12, 3, Stride: 2, Padding: 1, Bias: false), new BatchNorm2dLayer(), new ReLULayer(), new Conv2dLayer(12, 3, Padding: 1)],
            [new Conv2dLayer(12, 1, Stride: 2, Bias: false)]),
        new ReLULayer(),
        new ResidualBlock([new Conv2dLayer(12, 3, Padding: 1), new BatchNorm2dLayer()]),
        new AdaptiveAvgPool2dLayer(), new FlattenLayer(), new LinearLayer(4),
    ]);

    [Fact]
    public void Pruning_reaches_the_convolutions_inside_blocks()
    {
        Assert.Equal(["0.weight", "3.body.0.weight", "3.body.3.weight", "3.projection.0.weight", "5.body.0.weight", "8.weight"],
            MagnitudePruning.PrunableTensors(s_resnet));
    }

    [Fact]
    public async Task Unstructured_pruning_of_a_residual_net_prunes_every_layer_and_exports_it()
    {
        var train = CompressionFixtures.Images(30, seed: 5);
        var parent = await CompressionFixtures.Train(s_resnet, train, epochs: 2, standardization: StandardizationMode.PerChannel);
        var recipe = new UnstructuredPruningRecipe { Sparsity = 0.5, Scope = PruningScope.PerLayer, FineTuning = CompressionFixtures.Training(1, 0.005) };

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, recipe, train, CompressionFixtures.Images(10, seed: 6)));

        foreach (var name in MagnitudePruning.PrunableTensors(s_resnet))
        {
            var length = parent.Weights[name].Data.Length;
            Assert.Equal(Math.Floor(0.5 * length) / length, MagnitudePruning.Sparsity(result.Model.Weights, [name]), 3);
        }
        Assert.True(result.Report.Compressed.TestAccuracy > 0.5, $"accuracy {result.Report.Compressed.TestAccuracy}");
        CompressionFixtures.CheckWithOnnxChecker(result.Onnx);
    }

    [Fact]
    public async Task Int8_of_a_residual_net_is_refused_naming_the_block()
    {
        var parent = new TrainedModel(s_resnet, ModelInitialization.Seeded(s_resnet, 1), null, ["q0", "q1", "q2", "q3"]);
        var data = CompressionFixtures.Images(2, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(new CompressionRequest(parent, new QuantizationRecipe(), data, data)));

        Assert.Contains("Layer 3 (residual) of 'tiny-resnet' cannot be quantized", error.Message);
        Assert.Contains("layers[3]", error.Message);
    }

    [Fact]
    public async Task Structured_pruning_of_a_residual_net_is_refused_naming_the_block()
    {
        var parent = new TrainedModel(s_resnet, ModelInitialization.Seeded(s_resnet, 1), null, ["q0", "q1", "q2", "q3"]);
        var data = CompressionFixtures.Images(2, seed: 1);
        var recipe = new StructuredPruningRecipe { Ratio = 0.5, FineTuning = CompressionFixtures.Training(1) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(new CompressionRequest(parent, recipe, data, data)));

        Assert.Contains("layers[3] (residual)", error.Message);
        Assert.Contains("'tiny-resnet'", error.Message);
    }

    [Fact]
    public async Task A_residual_teacher_distils_into_a_plain_cnn_student()
    {
        var train = CompressionFixtures.Images(30, seed: 7);
        var teacher = await CompressionFixtures.Train(s_resnet, train, epochs: 3, standardization: StandardizationMode.PerChannel);
        var recipe = new DistillationRecipe(CompressionFixtures.Cnn, CompressionFixtures.Training(2)) { Alpha = 0.5, Temperature = 2 };

        var (result, events) = await CompressionFixtures.Compress(new CompressionRequest(teacher, recipe, train, CompressionFixtures.Images(10, seed: 8)));

        Assert.Equal(CompressionFixtures.Cnn, result.Model.Spec);
        Assert.Equal(s_resnet.ParameterCount, result.Report.Parent.Parameters);
        Assert.Contains(events, e => e is CompressionStageStarted { Stage: "teacher", Detail: var d } && d.Contains("tiny-resnet", StringComparison.Ordinal));
        Assert.True(result.Report.Compressed.TestAccuracy > 0.5, $"accuracy {result.Report.Compressed.TestAccuracy}");
    }
}
