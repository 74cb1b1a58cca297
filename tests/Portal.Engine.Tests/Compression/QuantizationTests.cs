using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;

namespace Portal.Engine.Tests.Compression;

[Collection(NativeRandomCollection.Name)]
public sealed class QuantizationTests
{
    [Fact]
    public async Task Int8_graph_is_fused_by_onnx_runtime_passes_the_checker_and_stays_close_to_float()
    {
        var train = CompressionFixtures.Images(50, seed: 11);
        var test = CompressionFixtures.Images(25, seed: 12);
        // Per-channel statistics: 8 constants, so the file's size is the weights'.
        var parent = await CompressionFixtures.Train(CompressionFixtures.Cnn, train, standardization: Engine.Data.StandardizationMode.PerChannel);

        var (result, events) = await CompressionFixtures.Compress(new CompressionRequest(parent, new QuantizationRecipe { CalibrationSamples = 100 }, train, test));

        var outcome = result.Report.Quantization!;
        Assert.True(outcome.MetTolerance);
        Assert.Empty(outcome.Float32Layers);
        Assert.Equal([0, 4, 8, 11], outcome.QuantizedLayers);
        Assert.Equal(2, outcome.RuntimeOperators["QLinearConv"]);
        Assert.Equal(2, outcome.RuntimeOperators["QGemm"]);
        Assert.False(outcome.RuntimeOperators.ContainsKey("Conv"));
        Assert.False(outcome.RuntimeOperators.ContainsKey("DequantizeLinear"));
        // One transpose into the channels-last int8 convolutions; none back out of them, as the flatten is written channels-last.
        Assert.Equal(1, outcome.RuntimeOperators["Transpose"]);
        Assert.Equal(1, outcome.RuntimeOperators["NhwcMaxPool"]);
        var types = OnnxInspector.Read(result.Onnx).OperatorTypes;
        Assert.Contains("QuantizeLinear", types);
        Assert.DoesNotContain("BatchNormalization", types); // folded into the convolutions
        CompressionFixtures.CheckWithOnnxChecker(result.Onnx);

        Assert.True(result.Report.AccuracyChangePoints >= -1, $"accuracy change {result.Report.AccuracyChangePoints} points");
        // Every linear and conv weight is stored as one int8 byte per value (the file of so tiny a model is mostly names and metadata).
        var graph = Engine.Onnx.Protobuf.ModelProto.Parser.ParseFrom(result.Onnx).Graph;
        foreach (var layer in outcome.QuantizedLayers)
        {
            var weight = Assert.Single(graph.Initializer, t => t.Name == $"{layer}.weight.int8");
            Assert.Equal((int)OnnxElementType.Int8, weight.DataType);
            Assert.Equal(parent.Weights[$"{layer}.weight"].ElementCount, weight.RawData.Length);
        }
        Assert.True(result.Report.SizeRatio > 1.4, $"size ratio {result.Report.SizeRatio}");
        var expected = CompressionFixtures.Run(OnnxExporter.Export(parent.Spec, parent.Weights, new OnnxExportOptions { Standardization = parent.Standardization }), test);
        var actual = CompressionFixtures.Run(result.Onnx, test);
        var scale = expected.Max(MathF.Abs);
        Assert.True(expected.Zip(actual).Max(p => MathF.Abs(p.First - p.Second)) < 0.1f * scale, $"int8 logits stray more than 10 % of the largest logit on {CpuFeatures.Current.Describe()} (int8 kernel path {Int8KernelPath.For(CpuFeatures.Current)})");
        Assert.Contains(events, e => e is CompressionStageStarted { Stage: "calibrating" });
    }

    [Fact]
    public async Task Layers_that_cost_accuracy_stay_float32_one_at_a_time_with_the_reason()
    {
        var train = CompressionFixtures.Blobs(60, seed: 13);
        var parent = await CompressionFixtures.Train(CompressionFixtures.Mlp, train);
        // Ranges cut at the median: every int8 activation clips half its values, so int8 layers cost accuracy.
        var recipe = new QuantizationRecipe { CalibrationSamples = 50, Calibration = CalibrationMethod.Percentile, Percentile = 50.5, TolerancePoints = 0.5 };

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, recipe, train, CompressionFixtures.Blobs(40, seed: 14)));

        var outcome = result.Report.Quantization!;
        Assert.NotEmpty(outcome.Float32Layers);
        Assert.True(outcome.MetTolerance);
        Assert.True(outcome.FullyQuantizedAccuracy < result.Report.Parent.TestAccuracy - 0.005);
        Assert.True(result.Report.AccuracyChangePoints >= -0.5);
        Assert.All(outcome.Float32Layers, f =>
        {
            Assert.Contains("points below the parent's", f.Reason);
            Assert.True(f.AccuracyAfter >= f.AccuracyBefore);
        });
        Assert.Equal(3, outcome.QuantizedLayers.Count + outcome.Float32Layers.Count);
        Assert.Empty(outcome.QuantizedLayers.Intersect(outcome.Float32Layers.Select(f => f.LayerIndex)));
    }

    [Fact]
    public async Task An_unsupported_layer_is_named()
    {
        var spec = new ModelSpec("gelu-mlp", [6], [new LinearLayer(8), new BatchNorm1dLayer(), new GELULayer(), new LinearLayer(4)]);
        var parent = new TrainedModel(spec, ModelInitialization.Seeded(spec, 1), null, ["a", "b", "c", "d"]);
        var data = CompressionFixtures.Blobs(5, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(new CompressionRequest(parent, new QuantizationRecipe(), data, data)));

        Assert.Contains("Layer 2 (gelu) of 'gelu-mlp' cannot be quantized", error.Message);
    }

    [Fact]
    public async Task Calibration_with_zero_samples_is_refused()
    {
        var parent = new TrainedModel(CompressionFixtures.Mlp, ModelInitialization.Seeded(CompressionFixtures.Mlp, 1), null, ["a", "b", "c", "d"]);
        var data = CompressionFixtures.Blobs(5, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(
            new CompressionRequest(parent, new QuantizationRecipe { CalibrationSamples = 0 }, data, data)));

        Assert.Contains("Calibration needs at least one sample, not 0", error.Message);
    }

    [Fact]
    public async Task A_float32_layer_that_is_not_linear_or_conv_is_named()
    {
        var parent = new TrainedModel(CompressionFixtures.Mlp, ModelInitialization.Seeded(CompressionFixtures.Mlp, 1), null, ["a", "b", "c", "d"]);
        var data = CompressionFixtures.Blobs(5, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(
            new CompressionRequest(parent, new QuantizationRecipe { Float32Layers = [1] }, data, data) { Meter = CompressionFixtures.QuickMeter }));

        Assert.Contains("Float32 layer 1 is not a linear or conv2d layer of 'tiny-mlp'; those are layers 0, 2, 4", error.Message);
    }

    [Theory]
    [InlineData(0.0, 2.55, 0.01f, 0)]
    [InlineData(-1.0, 1.0, 2f / 255, 128)]
    [InlineData(0.5, 2.55, 0.01f, 0)]
    public void Activation_ranges_always_hold_zero_exactly(double low, double high, float scale, int zeroPoint)
    {
        var q = ActivationQuantization.FromRange(low, high);

        Assert.Equal(scale, q.Scale, 1e-6f);
        Assert.Equal(zeroPoint, q.ZeroPoint);
    }
}
