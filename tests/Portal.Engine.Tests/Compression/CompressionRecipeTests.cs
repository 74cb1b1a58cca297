using System.Text.Json;
using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Compression;

public sealed class CompressionRecipeTests
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static TheoryData<CompressionRecipe> Recipes => new()
    {
        new UnstructuredPruningRecipe { Sparsity = 0.8, Schedule = PruningSchedule.Gradual, FineTuning = new TrainingOptions { Epochs = 2 } },
        new StructuredPruningRecipe { Ratio = 0.5, Norm = ChannelNorm.L2 },
        new QuantizationRecipe { Calibration = CalibrationMethod.Percentile, Float32Layers = [0], TolerancePoints = 0.5 },
        new DistillationRecipe(ReadySpecs.FashionMlp, new TrainingOptions { Epochs = 5 }) { Alpha = 0.3, Temperature = 2 },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void A_recipe_round_trips_through_json_with_its_method_named(CompressionRecipe recipe)
    {
        var json = JsonSerializer.Serialize(recipe, s_json);
        var back = JsonSerializer.Deserialize<CompressionRecipe>(json, s_json)!;

        Assert.Contains($"\"method\":\"{recipe.Method}\"", json);
        Assert.Equal(recipe.GetType(), back.GetType());
        Assert.Equal(json, JsonSerializer.Serialize(back, s_json));
    }

    [Fact]
    public void Gradual_pruning_without_fine_tuning_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new UnstructuredPruningRecipe { Schedule = PruningSchedule.Gradual }.Validate());
        Assert.Contains("Gradual pruning needs fine-tuning options", error.Message);
    }

    [Fact]
    public void Distillation_settings_out_of_range_are_named()
    {
        var recipe = new DistillationRecipe(ReadySpecs.FashionMlp, new TrainingOptions());
        Assert.Contains("Alpha must be in [0, 1], not 1.5", Assert.Throws<ArgumentException>(() => (recipe with { Alpha = 1.5 }).Validate()).Message);
        Assert.Contains("temperature must be positive and finite, not 0", Assert.Throws<ArgumentException>(() => (recipe with { Temperature = 0 }).Validate()).Message);
        Assert.Contains("Student training: Epochs must be positive, not 0", Assert.Throws<ArgumentException>(() => (recipe with { Training = new TrainingOptions { Epochs = 0 } }).Validate()).Message);
    }

    [Fact]
    public void A_report_serializes_with_its_ratios_and_float32_reasons()
    {
        var parent = new ModelFigures(1000, 1000, 4000, 3800, 0.9, 0.05, 0.08, 10_000);
        var child = new ModelFigures(1000, 990, 1000, 900, 0.895, 0.025, 0.04, 25_000);
        var outcome = new QuantizationOutcome([4, 9], [new Float32Layer(0, "conv2d", null, null, "thin convolution")], 0.895, true,
            new Dictionary<string, int> { ["QLinearConv"] = 1 }, Int8WeightForm.Name, "AVX2 without VNNI");
        var report = new CompressionReport(parent, child, ["a note"], outcome);

        var json = JsonSerializer.Serialize(report, s_json);

        Assert.Contains("\"sizeRatio\":4", json);
        Assert.Contains("\"throughputRatio\":2.5", json);
        Assert.Contains("\"accuracyBefore\":null", json);
        Assert.Equal(-0.5, report.AccuracyChangePoints, 9);
        Assert.Equal(0.5, report.LatencyP50Ratio, 9);
    }
}
