using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Compression;

[Collection(NativeRandomCollection.Name)]
public sealed class StructuredPruningTests
{
    private static readonly string[] s_classes = ["q0", "q1", "q2", "q3"];

    /// <summary>
    /// The tiny CNN with every odd channel of both convolutions and every odd neuron of the hidden linear layer dead
    /// (zero weights, zero bias, zero batch-norm scale and shift): removing them cannot change any output.
    /// </summary>
    private static TrainedModel WithDeadOddUnits()
    {
        var spec = CompressionFixtures.Cnn;
        var tensors = ModelInitialization.Seeded(spec, 5).Tensors.ToDictionary(t => t.Name, t => t.Data.ToArray());
        void KillRows(string name, int units)
        {
            var data = tensors[name];
            var per = data.Length / units;
            for (var u = 1; u < units; u += 2) Array.Clear(data, u * per, per);
        }
        foreach (var (layer, units) in new[] { (0, 8), (4, 8) })
        {
            KillRows($"{layer}.weight", units);
            KillRows($"{layer}.bias", units);
            KillRows($"{layer + 1}.weight", units);
            KillRows($"{layer + 1}.bias", units);
            // Running statistics that are not trivial, so the batch norm really has to be sliced in step.
            tensors[$"{layer + 1}.running_mean"] = [.. Enumerable.Range(0, units).Select(i => 0.1f * i)];
            tensors[$"{layer + 1}.running_var"] = [.. Enumerable.Range(0, units).Select(i => 1 + 0.2f * i)];
        }
        KillRows("8.weight", 16);
        KillRows("8.bias", 16);
        var weights = new ModelWeights(ModelInitialization.Seeded(spec, 5).Tensors.Select(t => t with { Data = tensors[t.Name] }));
        return new TrainedModel(spec, weights, null, s_classes);
    }

    [Fact]
    public async Task Removing_dead_channels_and_neurons_shrinks_the_spec_and_leaves_every_output_unchanged()
    {
        var parent = WithDeadOddUnits();
        var data = CompressionFixtures.Images(10, seed: 7);

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, new StructuredPruningRecipe { Ratio = 0.5, Norm = ChannelNorm.L2 }, data, data));

        var layers = result.Model.Spec.Layers;
        Assert.Equal(4, ((Conv2dLayer)layers[0]).OutChannels);
        Assert.Equal(4, ((Conv2dLayer)layers[4]).OutChannels);
        Assert.Equal(8, ((LinearLayer)layers[8]).OutFeatures);
        Assert.Equal(4, ((LinearLayer)layers[11]).OutFeatures); // the output layer keeps every class
        Assert.Equal([4, 4, 3, 3], result.Model.Weights["4.weight"].Shape);
        Assert.Equal([8, 64], result.Model.Weights["8.weight"].Shape); // 4 channels × 4×4 after the flatten
        Assert.Equal([4], result.Model.Weights["5.running_var"].Shape);
        Assert.True(result.Report.Compressed.Parameters < result.Report.Parent.Parameters / 2);
        Assert.True(result.Report.Compressed.OnnxBytes < result.Report.Parent.OnnxBytes / 2);

        var expected = CompressionFixtures.Run(OnnxExporterFor(parent), data);
        var actual = CompressionFixtures.Run(result.Onnx, data);
        Assert.Equal(expected, actual, new FloatTolerance(1e-4f));
    }

    [Fact]
    public async Task Fine_tuning_after_structured_pruning_trains_the_smaller_network()
    {
        var train = CompressionFixtures.Images(40, seed: 8);
        var parent = await CompressionFixtures.Train(CompressionFixtures.Cnn, train, epochs: 2);
        var recipe = new StructuredPruningRecipe { Ratio = 0.5, FineTuning = CompressionFixtures.Training(2) };

        var (result, events) = await CompressionFixtures.Compress(new CompressionRequest(parent, recipe, train, CompressionFixtures.Images(15, seed: 9)));

        Assert.Equal(result.Model.Spec.ParameterCount, result.Report.Compressed.Parameters);
        Assert.Equal(parent.Standardization, result.Model.Standardization);
        Assert.Equal(2, events.Count(e => e is CompressionTrainingProgress { Training: Engine.Training.EpochCompleted }));
        Assert.Contains(result.Report.Notes, n => n.Contains("kept 4 of 8 channels", StringComparison.Ordinal));
        Assert.True(result.Report.Compressed.TestAccuracy > 0.5, $"accuracy {result.Report.Compressed.TestAccuracy}");
    }

    [Fact]
    public void A_ratio_outside_zero_to_one_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new StructuredPruningRecipe { Ratio = 1 }.Validate());
        Assert.Contains("ratio must be in (0, 1), not 1", error.Message);
    }

    private static byte[] OnnxExporterFor(TrainedModel model) => Engine.Onnx.OnnxExporter.Export(model.Spec, model.Weights);
}
