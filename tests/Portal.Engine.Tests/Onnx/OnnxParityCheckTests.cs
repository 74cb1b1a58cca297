using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Tests.Onnx;

public sealed class OnnxParityCheckTests
{
    [Fact]
    public void A_faithful_export_measures_below_the_tolerance_in_batches()
    {
        var spec = ReadySpecs.FashionCnn;
        var weights = TorchReference.RandomWeights(spec, 3);
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerChannel, 4);
        var onnx = OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = standardization });
        var samples = TorchReference.RandomFeatures(784 * 10, 5);

        var report = OnnxParityCheck.Measure(spec, weights, onnx, samples, standardization, batchSize: 4);

        Assert.Equal(10, report.Samples);
        Assert.InRange(report.MaxAbsDifference, 0f, 1e-4f);
        // Batches of 4 against one batch of 10: the same values up to the kernels' batch-dependent rounding.
        Assert.InRange(TorchReference.MaxAbsDifference(TorchReference.Forward(spec, weights, samples, 10, standardization), report.ReferenceOutputs), 0f, 1e-5f);
    }

    [Fact]
    public void An_export_of_other_weights_or_statistics_is_caught()
    {
        var spec = ReadySpecs.FashionMlp;
        var weights = TorchReference.RandomWeights(spec, 3);
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, 4);
        var samples = TorchReference.RandomFeatures(784 * 3, 5);

        var otherWeights = OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 4), new OnnxExportOptions { Standardization = standardization });
        Assert.True(OnnxParityCheck.Measure(spec, weights, otherWeights, samples, standardization).MaxAbsDifference > 1e-2f);

        var withoutStatistics = OnnxExporter.Export(spec, weights);
        Assert.True(OnnxParityCheck.Measure(spec, weights, withoutStatistics, samples, standardization).MaxAbsDifference > 1e-2f);
    }

    [Fact]
    public void Samples_that_do_not_fill_whole_inputs_are_refused()
    {
        var spec = ReadySpecs.FashionMlp;
        var weights = TorchReference.RandomWeights(spec, 3);
        var e = Assert.Throws<ArgumentException>(() => OnnxParityCheck.Measure(spec, weights, OnnxExporter.Export(spec, weights), new float[100]));
        Assert.Contains("100 values are not a whole, non-zero number of samples of 784 features for 'fashion-mlp'", e.Message);
    }
}
