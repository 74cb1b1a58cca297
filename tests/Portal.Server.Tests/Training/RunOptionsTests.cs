using System.Text.Json;
using Portal.Engine.Data;
using Portal.Engine.Training;
using Portal.Server.Training;

namespace Portal.Server.Tests.Training;

public class RunOptionsTests
{
    [Fact]
    public void Options_left_out_take_the_engines_defaults_and_the_loss_follows_the_data()
    {
        var defaults = new TrainingOptions();

        var classification = new RunOptions().ToTrainingOptions(classification: true);
        var regression = new RunOptions().ToTrainingOptions(classification: false);

        Assert.Equal(defaults, classification);
        Assert.Equal(LossKind.MeanSquaredError, regression.Loss);
    }

    [Fact]
    public void Flat_optimiser_fields_and_named_standardisation_map_onto_the_engines_options()
    {
        var options = new RunOptions
        {
            Optimizer = OptimizerKind.Sgd,
            LearningRate = 0.1,
            Momentum = 0.9,
            WeightDecay = 1e-4,
            Standardization = "none",
            Augmentation = new ImageAugmentation(CropPadding: 2, HorizontalFlip: true),
        }.ToTrainingOptions(classification: true);

        Assert.Equal(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.9, WeightDecay = 1e-4 }, options.Optimizer);
        Assert.Null(options.Standardization);
        Assert.Equal(StandardizationMode.PerChannel, new RunOptions { Standardization = "perChannel" }.ToTrainingOptions(true).Standardization);
        Assert.Equal(new ImageAugmentation(2, true), options.Augmentation);
        Assert.Null(new RunOptions { Augmentation = new ImageAugmentation() }.ToTrainingOptions(true).Augmentation);
    }

    [Fact]
    public void The_options_stored_with_a_run_read_back_equal()
    {
        var options = JsonSerializer.Deserialize<RunOptions>(
            """{"epochs":7,"batchSize":64,"optimizer":"adamW","learningRate":0.003,"schedule":{"kind":"oneCycle","warmupSteps":5},"seed":3,"earlyStopping":{"metric":"validationAccuracy","patience":2},"gradientClipNorm":1.5}""",
            JsonSerializerOptions.Web)!.ToTrainingOptions(classification: true);
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var stored = JsonSerializer.Deserialize<TrainingOptions>(JsonSerializer.Serialize(options, web), web);

        Assert.Equal(options, stored);
        Assert.Equal((7, 64, OptimizerKind.AdamW, ScheduleKind.OneCycle, 5), (stored!.Epochs, stored.BatchSize, stored.Optimizer.Kind, stored.Schedule.Kind, stored.Schedule.WarmupSteps));
        Assert.Equal(new EarlyStopping(MonitoredMetric.ValidationAccuracy, 2), stored.EarlyStopping);
    }

    [Fact]
    public void Out_of_range_options_are_refused_by_the_engine_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => new RunOptions { BatchSize = -4 }.ToTrainingOptions(true));

        Assert.Equal("Batch size must be positive, not -4.", error.Message);
    }
}
