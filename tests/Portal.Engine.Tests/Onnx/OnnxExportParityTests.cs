using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Tests.Onnx;

/// <summary>ONNX Runtime on the exported file against TorchSharp's eval forward on the same weights.</summary>
public sealed class OnnxExportParityTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> LayerSpecs => [.. s_layerSpecs.Keys];

    private static readonly Dictionary<string, ModelSpec> s_layerSpecs = new()
    {
        ["linear"] = new("linear", [12], [new LinearLayer(7)]),
        ["linear-without-bias"] = new("linear-nb", [12], [new LinearLayer(5, Bias: false)]),
        ["conv2d-stride-padding"] = new("conv", [3, 9, 9], [new Conv2dLayer(4, 3, Stride: 2, Padding: 1)]),
        ["conv2d-without-bias"] = new("conv-nb", [2, 6, 6], [new Conv2dLayer(3, 2, Bias: false)]),
        ["maxpool2d"] = new("maxpool", [2, 8, 8], [new MaxPool2dLayer(2)]),
        ["maxpool2d-overlapping"] = new("maxpool-o", [2, 9, 9], [new MaxPool2dLayer(3, Stride: 2)]),
        ["avgpool2d"] = new("avgpool", [2, 8, 8], [new AvgPool2dLayer(2)]),
        ["avgpool2d-overlapping"] = new("avgpool-o", [2, 9, 9], [new AvgPool2dLayer(3, Stride: 2)]),
        ["batchnorm1d"] = new("bn1", [6], [new BatchNorm1dLayer(Eps: 1e-3)]),
        ["batchnorm2d"] = new("bn2", [3, 5, 5], [new BatchNorm2dLayer()]),
        ["dropout-last"] = new("dropout", [10], [new DropoutLayer(0.5)]),
        ["dropout-between"] = new("dropout-b", [10], [new LinearLayer(8), new DropoutLayer(0.3), new LinearLayer(4)]),
        ["relu"] = new("relu", [10], [new ReLULayer()]),
        ["leakyrelu"] = new("leaky", [10], [new LeakyReLULayer(0.2)]),
        ["gelu"] = new("gelu", [10], [new GELULayer()]),
        ["tanh"] = new("tanh", [10], [new TanhLayer()]),
        ["sigmoid"] = new("sigmoid", [10], [new SigmoidLayer()]),
        ["flatten"] = new("flatten", [2, 3, 4], [new FlattenLayer()]),
    };

    [Theory]
    [MemberData(nameof(LayerSpecs))]
    public void Each_layer_type_matches_TorchSharp_within_tolerance(string name)
    {
        var spec = s_layerSpecs[name];
        // Activations see standardised values around zero, where their curvature is; other layers see raw features.
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, seed: 3);
        var diff = ExportAndCompare(spec, standardization, batch: 5, seed: name.Length);
        Assert.True(diff <= Tolerance, $"{name}: max |ORT − TorchSharp| = {diff}");
    }

    [Theory]
    [InlineData("fashion-mlp", StandardizationMode.PerFeature, true)]
    [InlineData("fashion-mlp", StandardizationMode.PerFeature, false)]
    [InlineData("fashion-cnn", StandardizationMode.PerChannel, true)]
    [InlineData("fashion-cnn", StandardizationMode.PerFeature, true)]
    public void Ready_specs_match_TorchSharp_with_standardisation_in_the_graph(string specName, StandardizationMode mode, bool fold)
    {
        var spec = ReadySpecs.Get(specName);
        var standardization = TorchReference.Standardization(spec, mode, seed: 11);
        var diff = ExportAndCompare(spec, standardization, batch: 9, seed: 5, fold: fold);
        Assert.True(diff <= Tolerance, $"{specName}: max |ORT − TorchSharp| = {diff}");
    }

    [Theory]
    [InlineData("fashion-mlp", StandardizationMode.PerChannel, true)]
    [InlineData("fashion-mlp", StandardizationMode.PerChannel, false)]
    [InlineData("fashion-cnn", StandardizationMode.PerFeature, true)]
    public void Statistics_fitted_on_image_samples_apply_to_a_model_that_views_them_flat_and_back(string specName, StandardizationMode mode, bool fold)
    {
        // Fashion-MNIST samples are [1,28,28]; the MLP views them as [784]. A flat dataset may feed the CNN too.
        var spec = ReadySpecs.Get(specName);
        int[] sampleShape = spec.InputShape.Count == 1 ? [1, 28, 28] : [784];
        var standardization = TorchReference.Standardization(sampleShape, mode, seed: 12);
        var diff = ExportAndCompare(spec, standardization, batch: 4, seed: 6, fold: fold);
        Assert.True(diff <= Tolerance, $"{specName}: max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void Without_standardisation_the_graph_takes_features_as_they_are()
    {
        var spec = ReadySpecs.FashionMlp;
        var diff = ExportAndCompare(spec, standardization: null, batch: 3, seed: 8, low: -2f, high: 2f);
        Assert.True(diff <= Tolerance, $"max |ORT − TorchSharp| = {diff}");
    }

    [Fact]
    public void Different_weights_give_a_difference_the_comparison_sees()
    {
        // Guards the comparison itself: the parity tests above could not fail if it always returned zero.
        var spec = ReadySpecs.FashionMlp;
        var exported = OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, seed: 1));
        var input = TorchReference.RandomFeatures(784 * 2, seed: 2, low: -1f, high: 1f);
        var ort = OrtReference.Run(exported, input, [2, 784]);
        var torch = TorchReference.Forward(spec, TorchReference.RandomWeights(spec, seed: 2), input, 2);
        Assert.True(TorchReference.MaxAbsDifference(ort, torch) > 1e-2f);
    }

    [Fact]
    public void Folding_stays_exact_when_some_features_barely_vary()
    {
        // Image borders: a pixel that is almost always 0 has a tiny deviation, so its folded weight is large.
        var spec = new ModelSpec("borders", [16], [new LinearLayer(4), new ReLULayer(), new LinearLayer(3)]);
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, seed: 2);
        for (var i = 0; i < 16; i += 3)
        {
            standardization.Mean[i] = 0.01f;
            standardization.Std[i] = 0.02f;
        }
        var diff = ExportAndCompare(spec, standardization, batch: 6, seed: 4, low: 0f, high: 1f);
        Assert.True(diff <= Tolerance, $"max |ORT − TorchSharp| = {diff}");
    }

    internal static float ExportAndCompare(ModelSpec spec, FeatureStandardization? standardization, int batch, int seed, float low = 0f, float high = 255f, bool fold = true)
    {
        var weights = TorchReference.RandomWeights(spec, seed);
        var exported = OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = standardization, FoldStandardization = fold });
        var featureCount = spec.InputShape.Aggregate(1, (a, b) => a * b);
        var input = TorchReference.RandomFeatures(featureCount * batch, seed + 100, low, high);
        var ort = OrtReference.Run(exported, input, [batch, .. spec.InputShape.Select(d => (long)d)]);
        var torch = TorchReference.Forward(spec, weights, input, batch, standardization);
        return TorchReference.MaxAbsDifference(ort, torch);
    }
}
