using System.Globalization;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using Portal.Bench.Train;

namespace Portal.Bench.Models;

/// <summary>
/// The engine's fashion-resnet half of scripts/bench/models.sh.
/// resnet-accuracy OUT: the ready recipe (<see cref="ReadyTraining.FashionResnet"/>) on the 60 000 training images,
/// then the 10 000 test images. Options override the recipe for sweeps: --epochs E, --train N (first N images),
/// --lr L, --wd W, --crop P, --flip 0|1, --batch B, --seed S.
/// </summary>
internal static class ResnetBenchmark
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static async Task<int> Accuracy(string[] args)
    {
        var options = new BenchOptions(args.Skip(1));
        var spec = ReadySpecs.FashionResnet;
        var runtime = NativeRuntime.EnsureStarted();
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        if (options.Has("train")) train = train.Select([.. Enumerable.Range(0, options.Integer("train", train.Count))]);
        var recipe = Recipe(options);
        Console.WriteLine(string.Create(s_invariant,
            $"{spec.Name}: {spec.ParameterCount} parameters, {TrainingCost.FlopsPerSample(spec).Executed / 1e6:F1} MFLOP per training sample; {train.Count} images, {recipe.Epochs} epochs, batch {recipe.BatchSize}, {recipe.Optimizer.Kind} lr {recipe.Optimizer.LearningRate} wd {recipe.Optimizer.WeightDecay}, {recipe.Schedule.Kind}, crop ±{recipe.Augmentation?.CropPadding ?? 0} flip {recipe.Augmentation?.HorizontalFlip ?? false}, {TrainingThreads.For(spec, recipe.BatchSize, runtime)} threads"));

        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(new TrainingRequest(spec, train, null, recipe)))
        {
            if (e is EpochCompleted { Metrics: var m })
            {
                var (rss, peak) = ProcessMemory.Read();
                Console.WriteLine(string.Create(s_invariant, $"epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:F4} {m.SamplesPerSecond:F0} samples/s {m.Seconds:F0} s rss {rss:F0} MB peak {peak:F0} MB"));
                Figure($"{spec.Name}.rss_mb_epoch{m.Epoch}", rss);
                Figure($"{spec.Name}.epoch_seconds", m.Seconds);
            }
            if (e is TrainingCompleted done) result = done.Result;
        }
        Figure($"{spec.Name}.test_accuracy", ModelEvaluator.Evaluate(result!.Model, test).Accuracy);
        Figure($"{spec.Name}.peak_rss_mb", ProcessMemory.Read().PeakMb);
        return 0;
    }

    private static TrainingOptions Recipe(BenchOptions options)
    {
        var ready = ReadyTraining.FashionResnet;
        return ready with
        {
            Epochs = options.Integer("epochs", ready.Epochs),
            BatchSize = options.Integer("batch", ready.BatchSize),
            Seed = options.Integer("seed", 1),
            Optimizer = ready.Optimizer with
            {
                LearningRate = options.Number("lr", ready.Optimizer.LearningRate),
                WeightDecay = options.Number("wd", ready.Optimizer.WeightDecay),
            },
            Augmentation = new ImageAugmentation(options.Integer("crop", ready.Augmentation!.CropPadding), options.Number("flip", ready.Augmentation.HorizontalFlip ? 1 : 0) != 0),
        };
    }

    private static void Figure(string key, double value) => Console.WriteLine(string.Create(s_invariant, $"FIGURE {key}={value:0.######}"));
}
