using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Engine.Training;
using Portal.Server.Training;

namespace Portal.Ui.Tests.Training;

public sealed class NewRunFormTests
{
    [Fact]
    public void A_ready_spec_needs_no_json_check()
    {
        var form = new NewRunForm { ReadySpec = "fashion-cnn", SpecJson = "not json" };
        Assert.Null(form.SpecJsonError());
    }

    [Fact]
    public void Edited_json_is_checked_by_the_engine_which_names_the_layer()
    {
        var form = new NewRunForm
        {
            ReadySpec = null,
            SpecJson = """{"name":"bad","inputShape":[784],"layers":[{"type":"conv2d","outChannels":8,"kernelSize":3}]}""",
        };
        var error = form.SpecJsonError();
        Assert.NotNull(error);
        Assert.Contains("layers[0]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shape_report_follows_the_spec_and_is_absent_while_it_is_invalid()
    {
        var form = new NewRunForm { ReadySpec = "fashion-cnn" };
        Assert.Equal(Portal.Engine.Models.ReadySpecs.FashionCnn.ParameterCount, form.SpecShapes()!.TotalParameters);

        form.ReadySpec = null;
        form.SpecJson = """{"name":"bad","inputShape":[4],"layers":[{"type":"conv2d","outChannels":8,"kernelSize":3}]}""";
        Assert.Null(form.SpecShapes());
    }

    [Fact]
    public void A_run_that_fine_tunes_asks_for_the_version_and_carries_it()
    {
        var form = new NewRunForm { Name = "tuned", DatasetId = Guid.NewGuid(), FineTuneModel = "fashion" };
        Assert.Contains("Choose the version of 'fashion' to fine-tune.", form.Problems());

        form.FineTuneVersion = 3;
        form.FreezeBody = true;
        Assert.Empty(form.Problems());
        Assert.Equal(new Portal.Contracts.Training.FineTuneRequest("fashion", 3, FreezeBody: true), form.ToRequest().FromVersion);
        Assert.Null(new NewRunForm { Name = "scratch", DatasetId = Guid.NewGuid() }.ToRequest().FromVersion);
    }

    [Fact]
    public void Json_that_does_not_parse_says_so()
    {
        var form = new NewRunForm { ReadySpec = null, SpecJson = "{\"name\": " };
        Assert.Contains("not valid JSON", form.SpecJsonError());
    }

    [Fact]
    public void Missing_name_and_dataset_are_named_before_asking_the_server()
    {
        var problems = new NewRunForm().Problems();
        Assert.Contains("Give the run a name.", problems);
        Assert.Contains("Choose a training dataset.", problems);
    }

    [Fact]
    public void The_request_carries_options_the_training_service_reads_strictly()
    {
        var dataset = Guid.NewGuid();
        var form = new NewRunForm
        {
            Name = "cnn",
            DatasetId = dataset,
            ReadySpec = "fashion-cnn",
            Optimizer = OptimizerKind.Sgd,
            LearningRate = 0.05,
            Schedule = ScheduleKind.OneCycle,
            Epochs = 7,
            BatchSize = 64,
            Seed = 3,
            CropPadding = 2,
            HorizontalFlip = true,
        };
        var request = form.ToRequest();
        Assert.Equal(dataset, request.DatasetId);
        Assert.Equal("fashion-cnn", request.Spec.GetString());

        // The service refuses unknown fields: what the form writes must read back field for field.
        var strict = new JsonSerializerOptions(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };
        var options = request.Options!.Value.Deserialize<RunOptions>(strict)!;
        var training = options.ToTrainingOptions(classification: true);
        Assert.Equal(7, training.Epochs);
        Assert.Equal(64, training.BatchSize);
        Assert.Equal(OptimizerKind.Sgd, training.Optimizer.Kind);
        Assert.Equal(0.05, training.Optimizer.LearningRate);
        Assert.Equal(ScheduleKind.OneCycle, training.Schedule.Kind);
        Assert.Equal(3, training.Seed);
        Assert.Equal(2, training.Augmentation!.CropPadding);
        Assert.True(training.Augmentation.HorizontalFlip);
    }

    [Fact]
    public void Choosing_fashion_resnet_sets_its_recipe_and_the_request_carries_all_of_it()
    {
        var form = new NewRunForm { Name = "resnet", DatasetId = Guid.NewGuid(), ReadySpec = "fashion-resnet" };

        Assert.True(form.UseReadyRecipe("fashion-resnet"));
        Assert.False(new NewRunForm().UseReadyRecipe("fashion-cnn"));

        var strict = new JsonSerializerOptions(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };
        var training = form.ToRequest().Options!.Value.Deserialize<RunOptions>(strict)!.ToTrainingOptions(classification: true);
        var recipe = ReadyTraining.FashionResnet;
        Assert.Equal(recipe.Epochs, training.Epochs);
        Assert.Equal(recipe.BatchSize, training.BatchSize);
        Assert.Equal(recipe.Optimizer, training.Optimizer);
        Assert.Equal(recipe.Schedule, training.Schedule);
        Assert.Equal(recipe.Standardization, training.Standardization);
        Assert.Equal(recipe.Augmentation, training.Augmentation);
    }

    [Fact]
    public void Choosing_text_transformer_sets_its_recipe_with_standardisation_off()
    {
        var form = new NewRunForm { Name = "transformer", DatasetId = Guid.NewGuid(), ReadySpec = "text-transformer" };

        Assert.True(form.UseReadyRecipe("text-transformer"));

        var recipe = ReadyTraining.TextTransformer;
        Assert.Equal(recipe.Optimizer.Kind, form.Optimizer);
        Assert.Equal(recipe.Optimizer.LearningRate, form.LearningRate);
        Assert.Equal(recipe.Optimizer.WeightDecay, form.WeightDecay);
        Assert.Equal(recipe.Schedule.Kind, form.Schedule);
        Assert.Equal(recipe.Epochs, form.Epochs);
        Assert.Equal(recipe.BatchSize, form.BatchSize);
        Assert.Equal("none", form.Standardization);
    }
}
