using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

[Collection(NativeRandomCollection.Name)]
public sealed class TrainerTests : IDisposable
{
    private static readonly ModelSpec s_mlp = new("blob-mlp", [4], [new LinearLayer(16), new ReLULayer(), new DropoutLayer(0.2), new LinearLayer(3)]);
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("portal-trainer");

    private static TrainingOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 0.01 },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine },
        Seed = 7,
    };

    private static Task<TrainingRun> Run(TrainingRequest request) => TrainingRun.Of(request);

    [Fact]
    public async Task A_validation_set_coded_in_another_order_is_scored_by_class_name()
    {
        var train = TrainingData.Blobs(100, 3, 4, seed: 1);
        var validation = TrainingData.Blobs(30, 3, 4, seed: 2);
        // The same samples with the classes listed in reverse, so label i names the class that is 2 - i in training.
        var reversed = new Dataset("reversed", validation.Features.ToArray(), validation.SampleShape,
            [.. validation.Labels.ToArray().Select(l => 2 - l)], [.. validation.ClassNames.Reverse()]);

        var (_, same) = await Run(new TrainingRequest(s_mlp, train, validation, Options(2)));
        var (_, other) = await Run(new TrainingRequest(s_mlp, train, reversed, Options(2)));

        Assert.Equal(same.History[^1].ValidationAccuracy, other.History[^1].ValidationAccuracy);
        Assert.True(same.History[^1].ValidationAccuracy > 0.9, $"validation accuracy {same.History[^1].ValidationAccuracy}");
    }

    [Fact]
    public async Task Each_step_carries_the_wall_clock_time_it_completed_in_step_order()
    {
        var before = DateTimeOffset.UtcNow;
        var (steps, _) = await Run(new TrainingRequest(s_mlp, TrainingData.Blobs(100, 3, 4, seed: 1), null, Options(2)));
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(20, steps.Count);
        Assert.All(steps, s => Assert.InRange(s.CompletedAt, before, after));
        for (var i = 1; i < steps.Count; i++) Assert.True(steps[i].CompletedAt >= steps[i - 1].CompletedAt, $"step {steps[i].Step} completed before step {steps[i - 1].Step}");
    }

    [Fact]
    public async Task Training_learns_separable_blobs_and_reports_every_step_and_epoch()
    {
        var request = new TrainingRequest(s_mlp, TrainingData.Blobs(100, 3, 4, seed: 1), TrainingData.Blobs(30, 3, 4, seed: 2), Options(4));
        var epochs = new List<EpochMetrics>();
        var steps = 0;
        TrainingResult? result = null;

        await foreach (var e in new Trainer().Train(request))
        {
            switch (e)
            {
                case StepCompleted s:
                    steps++;
                    Assert.True(s.Loss > 0 && s.LearningRate >= 0 && s.SamplesPerSecond > 0);
                    break;
                case EpochCompleted ep: epochs.Add(ep.Metrics); break;
                case TrainingCompleted c: result = c.Result; break;
            }
        }

        Assert.Equal(4 * 10, steps); // 300 samples, batches of 32
        Assert.Equal([1, 2, 3, 4], epochs.Select(m => m.Epoch));
        Assert.NotNull(result);
        Assert.True(epochs[^1].ValidationAccuracy > 0.9, $"validation accuracy {epochs[^1].ValidationAccuracy}");
        Assert.True(epochs[^1].TrainLoss < epochs[0].TrainLoss);
        Assert.Equal(epochs, result.History);
        Assert.NotNull(result.Model.Standardization);
        Assert.Equal(["c0", "c1", "c2"], result.Model.ClassNames);
    }

    [Fact]
    public async Task Same_seed_gives_the_same_loss_curve()
    {
        var request = new TrainingRequest(s_mlp, TrainingData.Blobs(60, 3, 4, seed: 3), null, Options(2));

        var first = await Run(request);
        var second = await Run(request);

        Assert.Equal(first.Steps.Select(s => s.Loss), second.Steps.Select(s => s.Loss));
        Assert.NotEqual(first.Steps.Select(s => s.Loss), (await Run(request with { Options = Options(2) with { Seed = 8 } })).Steps.Select(s => s.Loss));
    }

    [Fact]
    public async Task Resume_from_a_checkpoint_continues_the_same_loss_curve()
    {
        var data = TrainingData.Blobs(60, 3, 4, seed: 4);
        var validation = TrainingData.Blobs(20, 3, 4, seed: 5);
        // Stop the same 4-epoch plan after epoch 2, as a pre-empted job would be, then resume it.
        var (whole, paused, resumed) = await TrainingRun.WholeAndResumed(
            new TrainingRequest(s_mlp, data, validation, Options(4)), Path.Combine(_scratch.FullName, "ckpt"), pauseAfter: 2);

        Assert.Equal(StopReason.Paused, paused.Result.StopReason);
        Assert.Equal(3, resumed.Steps[0].Epoch);
        var wholeTail = whole.Steps.Where(s => s.Epoch > 2).Select(s => (s.Step, s.Loss, s.LearningRate));
        Assert.Equal(wholeTail, resumed.Steps.Select(s => (s.Step, s.Loss, s.LearningRate)));
        Assert.Equal(whole.Result.History.Select(h => h.ValidationLoss), resumed.Result.History.Select(h => h.ValidationLoss));
        Assert.Equal(whole.Result.Model.Weights["3.weight"].Data, resumed.Result.Model.Weights["3.weight"].Data);
    }

    [Fact]
    public async Task Cancellation_takes_effect_within_one_batch()
    {
        using var cancel = new CancellationTokenSource();
        var request = new TrainingRequest(s_mlp, TrainingData.Blobs(2000, 3, 4, seed: 6), null, Options(50) with { BatchSize = 8 });
        var steps = new List<StepCompleted>();
        long cancelledAt = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in new Trainer().Train(request, cancel.Token))
            {
                if (e is not StepCompleted step) continue;
                steps.Add(step);
                if (step.Step == 5)
                {
                    cancel.Cancel();
                    cancelledAt = System.Diagnostics.Stopwatch.GetTimestamp();
                }
            }
        });

        // Steps finished after the cancel: at most the one batch that was already running.
        var finishedAfter = steps.Count(s => s.Timestamp > cancelledAt);
        Assert.True(finishedAfter <= 1, $"{finishedAfter} steps finished after cancellation");
    }

    [Fact]
    public async Task A_token_cancelled_before_training_starts_ends_the_stream_rather_than_leaving_it_waiting()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        var request = new TrainingRequest(s_mlp, TrainingData.Blobs(200, 3, 4, seed: 6), null, Options(2));

        var reading = Task.Run(async () =>
        {
            await foreach (var e in new Trainer().Train(request, cancel.Token)) Assert.IsNotType<StepCompleted>(e);
        });

        var finished = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(reading, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    [Fact]
    public async Task A_loss_that_becomes_infinite_stops_the_run_naming_epoch_and_step()
    {
        var data = TrainingData.RepeatedSample([1e3f, -2e3f], 1e6f, copies: 64);
        var options = new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 8,
            Loss = LossKind.MeanSquaredError,
            Standardization = null,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 10 },
        };

        var error = await Assert.ThrowsAsync<TrainingDivergedException>(() => new Trainer().TrainToEnd(new TrainingRequest(new ModelSpec("r", [2], [new LinearLayer(1)]), data, null, options)));

        Assert.Matches(@"^diverged at epoch 1 step \d+", error.Message);
        Assert.Equal(1, error.Epoch);
    }

    [Fact]
    public async Task Early_stopping_stops_after_patience_and_keeps_the_best_epoch()
    {
        // Validation labels are the training labels shifted by one class: the better the fit, the worse validation gets.
        var request = new TrainingRequest(s_mlp, TrainingData.Blobs(60, 3, 4, seed: 8), TrainingData.Blobs(20, 3, 4, seed: 9, flipLabels: true),
            Options(20) with { EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationLoss, Patience: 2) });
        var epochs = new List<EpochMetrics>();

        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(request))
        {
            if (e is EpochCompleted ep) epochs.Add(ep.Metrics);
            if (e is TrainingCompleted c) result = c.Result;
        }

        Assert.Equal(StopReason.EarlyStopped, result!.StopReason);
        var best = epochs.MinBy(m => m.ValidationLoss)!;
        Assert.Equal(best.Epoch, result.BestEpoch);
        Assert.Equal(best.Epoch + 2, epochs[^1].Epoch);
        Assert.True(epochs.Count < 20);
    }

    [Fact]
    public async Task Data_that_does_not_fit_the_spec_is_refused_before_training()
    {
        var data = TrainingData.Blobs(10, 3, 5, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Trainer().TrainToEnd(new TrainingRequest(s_mlp, data, null, Options(1))));

        Assert.Contains("[5]", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [Fact]
    public async Task Class_count_that_differs_from_the_output_layer_is_refused()
    {
        var data = TrainingData.Blobs(10, 2, 4, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Trainer().TrainToEnd(new TrainingRequest(s_mlp, data, null, Options(1))));

        Assert.Contains("2 classes", error.Message);
    }

    [Fact]
    public async Task Gradient_clipping_bounds_each_update()
    {
        var spec = new ModelSpec("r", [2], [new LinearLayer(1, Bias: false)]);
        var options = new TrainingOptions
        {
            Epochs = 1,
            BatchSize = 1,
            Loss = LossKind.MeanSquaredError,
            Standardization = null,
            GradientClipNorm = 0.5,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 1 },
        };
        var initial = new Portal.Engine.Weights.ModelWeights([new Portal.Engine.Weights.NamedTensor("0.weight", [1, 2], [0f, 0f])]);

        var result = await new Trainer().TrainToEnd(new TrainingRequest(spec, TrainingData.RepeatedSample([3f, 4f], 100f, 1), null, options) { InitialWeights = initial });

        // The gradient −200·[3, 4] has norm 1000; clipped to 0.5 it is −[0.3, 0.4].
        Assert.Equal([0.3f, 0.4f], result.Model.Weights["0.weight"].Data, new FloatTolerance(1e-5f));
    }

    [Fact]
    public async Task Image_augmentation_runs_on_image_shaped_inputs()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 40 * 16).Select(_ => (float)rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 40).Select(i => i % 2).ToArray();
        var data = new Dataset("img", x, [1, 4, 4], y, ["a", "b"]);
        var spec = new ModelSpec("c", [1, 4, 4], [new Conv2dLayer(2, 3, Padding: 1), new FlattenLayer(), new LinearLayer(2)]);

        var result = await new Trainer().TrainToEnd(new TrainingRequest(spec, data, null, Options(1) with { Augmentation = new ImageAugmentation(1, true), BatchSize = 8 }));

        Assert.Single(result.History);
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
