using System.Text.Json;
using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Server.Compression;

namespace Portal.Ui.Tests.Compression;

public sealed class CompressionFormTests
{
    /// <summary>Reads the request's recipe exactly as the compression service does (unknown members refused).</summary>
    private static CompressionRecipe Recipe(CompressionForm form) =>
        form.ToRequest().Recipe.Deserialize<CompressionRecipe>(CompressionService.RecipeJson)!;

    [Fact]
    public void Unstructured_pruning_carries_sparsity_schedule_and_fine_tuning_epochs()
    {
        var form = new CompressionForm { Method = CompressionMethod.PruneUnstructured, Sparsity = 0.6, Schedule = PruningSchedule.Gradual, FineTuneEpochs = 2, Ratio = 0.1 };
        var recipe = Assert.IsType<UnstructuredPruningRecipe>(Recipe(form));
        Assert.Equal(0.6, recipe.Sparsity);
        Assert.Equal(PruningSchedule.Gradual, recipe.Schedule);
        Assert.Equal(2, recipe.FineTuning!.Epochs);
        Assert.Equal("prune-unstructured", form.ToRequest().Recipe.GetProperty("method").GetString());
        Assert.False(form.ToRequest().Recipe.TryGetProperty("ratio", out _), "another method's setting leaked into the recipe");
    }

    [Fact]
    public void Zero_fine_tuning_epochs_prune_without_training()
    {
        var recipe = Assert.IsType<StructuredPruningRecipe>(Recipe(new CompressionForm { Method = CompressionMethod.PruneStructured, Ratio = 0.25, Norm = ChannelNorm.L2, FineTuneEpochs = 0 }));
        Assert.Equal(0.25, recipe.Ratio);
        Assert.Equal(ChannelNorm.L2, recipe.Norm);
        Assert.Null(recipe.FineTuning);
    }

    [Fact]
    public void Int8_quantization_carries_calibration_samples_and_tolerance_and_lets_the_server_choose_the_data()
    {
        var request = new CompressionForm { Method = CompressionMethod.QuantizeInt8, CalibrationSamples = 200, TolerancePoints = 0.5 }.ToRequest();
        var recipe = Assert.IsType<QuantizationRecipe>(request.Recipe.Deserialize<CompressionRecipe>(CompressionService.RecipeJson));
        Assert.Equal(200, recipe.CalibrationSamples);
        Assert.Equal(0.5, recipe.TolerancePoints);
        Assert.Null(request.TrainDatasetId);
        Assert.Null(request.TestDatasetId);
    }

    [Fact]
    public void Int8_quantization_leaves_the_activations_to_the_model_unless_one_is_chosen()
    {
        Assert.Equal(Int8Activations.Auto, Assert.IsType<QuantizationRecipe>(Recipe(new CompressionForm { Method = CompressionMethod.QuantizeInt8 })).Activations);

        var recipe = Assert.IsType<QuantizationRecipe>(Recipe(new CompressionForm { Method = CompressionMethod.QuantizeInt8, Activations = Int8Activations.Dynamic }));

        Assert.Equal(Int8Activations.Dynamic, recipe.Activations);
    }

    [Fact]
    public void Distillation_sends_a_ready_student_as_its_full_spec_with_alpha_temperature_and_epochs()
    {
        var form = new CompressionForm { Method = CompressionMethod.Distill, StudentReadySpec = "fashion-cnn", Alpha = 0.3, Temperature = 2, DistillEpochs = 3 };
        var recipe = Assert.IsType<DistillationRecipe>(Recipe(form));
        Assert.Equal(ReadySpecs.FashionCnn.ToJson(), recipe.Student.ToJson());
        Assert.Equal(0.3, recipe.Alpha);
        Assert.Equal(2, recipe.Temperature);
        Assert.Equal(3, recipe.Training.Epochs);
        recipe.Validate();
    }

    [Fact]
    public void A_student_spec_written_as_json_is_checked_by_the_engine_before_launching()
    {
        var form = new CompressionForm
        {
            Method = CompressionMethod.Distill,
            StudentReadySpec = null,
            StudentSpecJson = """{"name":"bad","inputShape":[784],"layers":[{"type":"conv2d","outChannels":8,"kernelSize":3}]}""",
        };
        var problem = Assert.Single(form.Problems());
        Assert.Contains("layers[0]", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Gradual_pruning_without_fine_tuning_is_named_before_asking_the_server()
    {
        var form = new CompressionForm { Method = CompressionMethod.PruneUnstructured, Schedule = PruningSchedule.Gradual, FineTuneEpochs = 0 };
        Assert.Contains("Gradual", Assert.Single(form.Problems()));
        Assert.Empty(new CompressionForm { Method = CompressionMethod.QuantizeInt8 }.Problems());
    }

    [Fact]
    public void A_sparsity_out_of_range_reaches_the_engine_which_names_it()
    {
        var recipe = Recipe(new CompressionForm { Method = CompressionMethod.PruneUnstructured, Sparsity = 1.2 });
        var error = Assert.Throws<ArgumentException>(recipe.Validate);
        Assert.Contains("Sparsity must be in (0, 1), not 1.2", error.Message);
    }
}
