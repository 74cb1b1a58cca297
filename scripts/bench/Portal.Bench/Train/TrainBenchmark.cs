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

    /// <summary>train-speed MODEL OUT: one epoch, batch 128, Adam 1e-3, from weights and in a batch order the peer gets too.</summary>
    public static async Task<int> Speed(string[] args)
    {
        var (spec, output) = (ReadySpecs.Get(args[0]), args[1]);
        Directory.CreateDirectory(output);
        var runtime = NativeRuntime.EnsureStarted();
        var train = FashionMnist.LoadTrain();

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

    /// <summary>train-accuracy MODEL EPOCHS OUT: the full recipe, then test accuracy, peak memory, and files for the peer's parity check.</summary>
    public static async Task<int> Accuracy(string[] args)
    {
        var (spec, epochs, output) = (ReadySpecs.Get(args[0]), int.Parse(args[1], s_invariant), args[2]);
        Directory.CreateDirectory(output);
        NativeRuntime.EnsureStarted();
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();

        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = BatchSize,
            Seed = Seed,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 1e-3 },
            Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine },
        };
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(new TrainingRequest(spec, train, null, options)))
        {
            if (e is EpochCompleted { Metrics: var m })
            {
                var (rss, peak) = ProcessMemory.Read();
                Console.WriteLine(string.Create(s_invariant, $"epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:F4} {m.SamplesPerSecond:F0} samples/s rss {rss:F0} MB peak {peak:F0} MB"));
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

    private static void WriteRaw<T>(string path, ReadOnlySpan<T> values) where T : unmanaged
    {
        using var file = File.Create(path);
        file.Write(MemoryMarshal.AsBytes(values));
    }

    private static void Figure(string key, double value) => Console.WriteLine(string.Create(s_invariant, $"FIGURE {key}={value:0.######}"));
}
