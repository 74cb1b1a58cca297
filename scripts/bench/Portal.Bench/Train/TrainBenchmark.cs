using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using Portal.Engine.Weights;
using static TorchSharp.torch;

namespace Portal.Bench.Train;

/// <summary>
/// The engine's half of scripts/bench/train.sh. Each command prints <c>FIGURE key=value</c> lines that the
/// script collects; data files for the PyTorch peer are written to the output folder.
/// </summary>
internal static class TrainBenchmark
{
    private const int Seed = 1;
    private const int BatchSize = 128;
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// train-speed MODEL OUT [--train N]: one epoch, batch 128, Adam 1e-3, from weights and in a batch order the peer
    /// gets too; --train N takes the first N training images (a shorter epoch for a costly model).
    /// </summary>
    public static async Task<int> Speed(string[] args)
    {
        var (spec, output) = (ReadySpecs.Get(args[0]), args[1]);
        var overrides = new BenchOptions(args.Skip(2));
        Directory.CreateDirectory(output);
        var runtime = NativeRuntime.EnsureStarted();
        var train = FashionMnist.LoadTrain();
        if (overrides.Has("train")) train = train.Select([.. Enumerable.Range(0, overrides.Integer("train", train.Count))]);

        // What the peer needs to repeat exactly this epoch: spec, initial weights, standardised data, batch order.
        var initial = ModelInitialization.Seeded(spec, Seed);
        File.WriteAllText(Path.Combine(output, $"{spec.Name}.spec.json"), spec.ToJson());
        File.WriteAllBytes(Path.Combine(output, $"{spec.Name}.init.safetensors"), SafetensorsWriter.ToBytes(initial));
        if (!File.Exists(Path.Combine(output, "train.order.i64")))
        {
            var standardized = FeatureStandardization.Fit(train, StandardizationMode.PerFeature).Apply(train);
            WriteRaw(Path.Combine(output, "train.features.f32"), standardized.Features);
            WriteRaw<long>(Path.Combine(output, "train.labels.i64"), [.. train.Labels.ToArray().Select(l => (long)l)]);
            WriteRaw<long>(Path.Combine(output, "train.order.i64"), [.. SeededShuffle.Permutation(train.Count, Seed, 1).Select(i => (long)i)]);
        }

        var options = new TrainingOptions
        {
            Epochs = 1,
            BatchSize = BatchSize,
            Seed = Seed,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 1e-3 },
        };
        var result = await new Trainer().TrainToEnd(new TrainingRequest(spec, train, null, options) { InitialWeights = initial });
        var epoch = result.History[0];
        var (executed, conventional) = TrainingCost.FlopsPerSample(spec);
        Figure($"{spec.Name}.engine_samples_per_s", epoch.SamplesPerSecond);
        Figure($"{spec.Name}.flops_per_sample", executed);
        Figure($"{spec.Name}.flops_per_sample_6n", conventional);
        Figure($"{spec.Name}.engine_train_acc", epoch.TrainAccuracy ?? 0);
        Figure("train_count", train.Count);
        Figure("threads", TrainingThreads.For(spec, BatchSize, runtime));
        Console.WriteLine($"device={runtime.Device} ({runtime.DeviceReason})");
        return 0;
    }

    /// <summary>
    /// train-accuracy MODEL EPOCHS OUT [--train N] [--lr L] [--wd W] [--batch B] [--crop P --flip 0|1] [--spec FILE]: the spec's ready
    /// recipe (<see cref="ReadyTraining"/>; Adam 1e-3 under a cosine schedule where it has none) for EPOCHS epochs, then
    /// test accuracy, memory, and files for the peer's parity check. The options override the recipe for sweeps
    /// (--train N: the first N training images; --spec FILE: a variant of the spec, recipe by its name).
    /// </summary>
    public static async Task<int> Accuracy(string[] args)
    {
        var (epochs, output) = (int.Parse(args[1], s_invariant), args[2]);
        var overrides = new BenchOptions(args.Skip(3));
        var spec = overrides.Text("spec") is { } file ? ModelSpec.FromJson(File.ReadAllText(file)) : ReadySpecs.Get(args[0]);
        Directory.CreateDirectory(output);
        var runtime = NativeRuntime.EnsureStarted();
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        if (overrides.Has("train")) train = train.Select([.. Enumerable.Range(0, overrides.Integer("train", train.Count))]);

        var options = Recipe(spec, epochs, overrides);
        Console.WriteLine(string.Create(s_invariant,
            $"{spec.Name}: {spec.ParameterCount} parameters, {TrainingCost.FlopsPerSample(spec).Executed / 1e6:F1} MFLOP per training sample, {TrainingThreads.For(spec, options.BatchSize, runtime)} threads; {train.Count} images, {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer.Kind} lr {options.Optimizer.LearningRate} weight decay {options.Optimizer.WeightDecay}, {options.Schedule.Kind} schedule, {options.Standardization} standardisation, augmentation {options.Augmentation?.ToString() ?? "none"}"));
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(new TrainingRequest(spec, train, null, options)))
        {
            if (e is EpochCompleted { Metrics: var m })
            {
                var (rss, peak) = ProcessMemory.Read();
                Console.WriteLine(string.Create(s_invariant, $"epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:F4} {m.SamplesPerSecond:F0} samples/s {m.Seconds:F0} s rss {rss:F0} MB peak {peak:F0} MB"));
                Figure($"{spec.Name}.rss_mb_epoch{m.Epoch}", rss);
            }
            if (e is TrainingCompleted done) result = done.Result;
        }
        var evaluation = ModelEvaluator.Evaluate(result!.Model, test);
        Figure($"{spec.Name}.test_accuracy", evaluation.Accuracy);
        Figure($"{spec.Name}.peak_rss_mb", ProcessMemory.Read().PeakMb);

        // Parity with the outside reader: the first 1000 test images, raw (the peer standardises nothing, so send it standardised data).
        var sample = test.Select([.. Enumerable.Range(0, 1000)]);
        var (outputs, _) = ModelEvaluator.Predict(result.Model, sample);
        File.WriteAllText(Path.Combine(output, $"{spec.Name}.spec.json"), spec.ToJson());
        File.WriteAllBytes(Path.Combine(output, $"{spec.Name}.trained.safetensors"), SafetensorsWriter.ToBytes(result.Model.Weights, new Dictionary<string, string> { ["spec"] = spec.Name }));
        WriteRaw(Path.Combine(output, $"{spec.Name}.check.inputs.f32"), result.Model.Standardization!.Apply(sample).Features);
        WriteRaw<float>(Path.Combine(output, $"{spec.Name}.check.outputs.f32"), outputs);
        return 0;
    }

    private static TrainingOptions Recipe(ModelSpec spec, int epochs, BenchOptions overrides)
    {
        var ready = ReadyTraining.For(spec.Name) ?? new TrainingOptions
        {
            BatchSize = BatchSize,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 1e-3 },
            Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine },
        };
        var augmentation = ready.Augmentation ?? new ImageAugmentation();
        return ready with
        {
            Epochs = epochs,
            Seed = Seed,
            BatchSize = overrides.Integer("batch", ready.BatchSize),
            Optimizer = ready.Optimizer with
            {
                LearningRate = overrides.Number("lr", ready.Optimizer.LearningRate),
                WeightDecay = overrides.Number("wd", ready.Optimizer.WeightDecay),
            },
            Augmentation = overrides.Has("crop") || overrides.Has("flip")
                ? new ImageAugmentation(overrides.Integer("crop", augmentation.CropPadding), overrides.Number("flip", augmentation.HorizontalFlip ? 1 : 0) != 0)
                : ready.Augmentation,
        };
    }

    /// <summary>matmul: GFLOP/s of a 2048×2048 float32 product, the machine's practical peak for this work.</summary>
    public static Task<int> Matmul(string[] args)
    {
        var runtime = NativeRuntime.EnsureStarted();
        NativeRuntime.ApplyToCurrentThread(runtime);
        const int n = 2048;
        using var a = randn(n, n);
        using var b = randn(n, n);
        var best = double.MaxValue;
        for (var i = 0; i < 12; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            mm(a, b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        Figure("matmul_gflops", 2.0 * n * n * n / best / 1e9);
        return Task.FromResult(0);
    }

    internal static void WriteRaw<T>(string path, ReadOnlySpan<T> values) where T : unmanaged
    {
        using var file = File.Create(path);
        file.Write(MemoryMarshal.AsBytes(values));
    }

    private static void Figure(string key, double value) => Console.WriteLine(string.Create(s_invariant, $"FIGURE {key}={value:0.######}"));
}
