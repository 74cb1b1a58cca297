using Portal.Engine.Compression;
using Portal.Engine.Models;

namespace Portal.Engine.Tests.Compression;

[Collection(NativeRandomCollection.Name)]
public sealed class UnstructuredPruningTests
{
    [Fact]
    public async Task One_shot_global_pruning_keeps_its_zeros_through_fine_tuning_and_the_onnx_file_gzips_smaller()
    {
        var train = CompressionFixtures.Blobs(60, seed: 1);
        var parent = await CompressionFixtures.Train(CompressionFixtures.Mlp, train);
        var names = MagnitudePruning.PrunableTensors(parent.Spec);
        var pruned = MagnitudePruning.Prune(parent.Weights, names, 0.7, PruningScope.Global);
        var recipe = new UnstructuredPruningRecipe { Sparsity = 0.7, FineTuning = CompressionFixtures.Training(2, 0.005) };

        var (result, events) = await CompressionFixtures.Compress(new CompressionRequest(parent, recipe, train, CompressionFixtures.Blobs(30, seed: 2)));

        foreach (var name in names)
        {
            var before = pruned[name].Data;
            var after = result.Model.Weights[name].Data;
            for (var i = 0; i < before.Length; i++)
                if (before[i] == 0) Assert.Equal(0f, after[i]);
            Assert.NotEqual(before, after); // fine-tuning moved the surviving weights
        }
        var total = names.Sum(n => parent.Weights[n].Data.Length);
        Assert.Equal(Math.Floor(0.7 * total) / total, MagnitudePruning.Sparsity(result.Model.Weights, names), 3);
        var report = result.Report;
        Assert.Equal(report.Parent.Parameters, report.Compressed.Parameters);
        Assert.True(report.Compressed.NonZeroParameters < 0.4 * report.Parent.NonZeroParameters, $"{report.Compressed.NonZeroParameters} non-zero");
        Assert.Equal(report.Parent.OnnxBytes, report.Compressed.OnnxBytes); // the zeros are stored, not removed
        Assert.True(report.Compressed.OnnxGzipBytes < 0.7 * report.Parent.OnnxGzipBytes, $"gzip {report.Compressed.OnnxGzipBytes} vs {report.Parent.OnnxGzipBytes}");
        Assert.True(report.Compressed.TestAccuracy > 0.8, $"accuracy {report.Compressed.TestAccuracy}");
        Assert.Contains("timed on the CPU with 1 ONNX Runtime intra-op thread, best of 1 alternating round", report.Notes);
        Assert.Contains(events, e => e is CompressionStageStarted { Stage: "pruning" });
        Assert.Contains(events, e => e is CompressionStageStarted { Stage: "fine-tuning" });
        Assert.Contains(events, e => e is CompressionTrainingProgress { Training: Engine.Training.EpochCompleted });
    }

    [Fact]
    public async Task Gradual_per_layer_pruning_reaches_the_target_in_every_layer()
    {
        var train = CompressionFixtures.Blobs(60, seed: 3);
        var parent = await CompressionFixtures.Train(CompressionFixtures.Mlp, train);
        var recipe = new UnstructuredPruningRecipe
        {
            Sparsity = 0.5,
            Scope = PruningScope.PerLayer,
            Schedule = PruningSchedule.Gradual,
            MaskUpdates = 4,
            FineTuning = CompressionFixtures.Training(2, 0.005),
        };

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, recipe, train, CompressionFixtures.Blobs(20, seed: 4)));

        foreach (var name in MagnitudePruning.PrunableTensors(parent.Spec))
        {
            var length = parent.Weights[name].Data.Length;
            Assert.Equal(Math.Floor(0.5 * length) / length, MagnitudePruning.Sparsity(result.Model.Weights, [name]), 3);
        }
    }

    [Fact]
    public void The_cubic_schedule_rises_fast_then_levels_at_the_target()
    {
        Assert.Equal(0, MagnitudePruning.CubicSparsity(0.8, 0, 100));
        Assert.Equal(0.8 * (1 - 0.125), MagnitudePruning.CubicSparsity(0.8, 50, 100), 12);
        Assert.Equal(0.8, MagnitudePruning.CubicSparsity(0.8, 100, 100), 12);
        Assert.Equal(0.8, MagnitudePruning.CubicSparsity(0.8, 150, 100), 12);
    }

    [Fact]
    public void Global_pruning_zeroes_the_smallest_magnitudes_across_layers()
    {
        var weights = new Engine.Weights.ModelWeights(
        [
            new("0.weight", [2, 2], [0.1f, -5f, 0.3f, 4f]),
            new("1.weight", [1, 2], [-0.2f, 6f]),
            new("1.bias", [1], [0.01f]),
        ]);

        var pruned = MagnitudePruning.Prune(weights, ["0.weight", "1.weight"], 0.5, PruningScope.Global);

        Assert.Equal([0f, -5f, 0f, 4f], pruned["0.weight"].Data);
        Assert.Equal([0f, 6f], pruned["1.weight"].Data);
        Assert.Equal([0.01f], pruned["1.bias"].Data);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public async Task Sparsity_outside_zero_to_one_is_refused_before_any_work(double sparsity)
    {
        var parent = new TrainedModel(CompressionFixtures.Mlp, ModelInitialization.Seeded(CompressionFixtures.Mlp, 1), null, ["a", "b", "c", "d"]);
        var data = CompressionFixtures.Blobs(5, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(
            new CompressionRequest(parent, new UnstructuredPruningRecipe { Sparsity = sparsity }, data, data)));

        Assert.Contains("Sparsity must be in (0, 1)", error.Message);
    }
}
