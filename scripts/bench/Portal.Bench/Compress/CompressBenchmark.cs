using System.Globalization;
using System.Text.Json;
using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using Portal.Engine.Weights;

namespace Portal.Bench.Compress;

/// <summary>
/// The engine's half of scripts/bench/compress.sh: fashion-cnn trained 5 epochs, then int8 (tolerance 1 point),
/// 80 % unstructured pruning, 50 % structured pruning and a distilled half-width student against the same student
/// trained from scratch. Prints each report and a last RESULT line.
/// Options: --train N and --test N take the first N samples (quick runs), --epochs E (teacher and students),
/// --fine-tune E, --alpha A, --temperature T, --seconds S (throughput per round), --thin-float32 0 (quantise the
/// first, one-channel convolution too), --int8-only 1 (stop after int8), --distill-only 1 (the student from scratch
/// and distilled at each α of --alphas a,b,… and T of --temperatures t,u,…), --student-dropout P (0 removes it),
/// --teacher-cache DIR (train the teacher once for repeated sweeps), --teacher-epochs E (a ready recipe's teacher
/// trained for E epochs instead, its schedule spread over them), --validation N (train on all but a seeded N of the
/// training images and score on those N instead of the test images, for choosing settings), --seed S (both students' seed, 1 by default; the
/// teacher keeps seed 1), --threads N (ONNX Runtime intra-op threads
/// for the timings; 1 by default, as the portal serves and measures a version; 0 for ONNX Runtime's choice, one per core), --rounds R (timing rounds, parent and child
/// alternately, each keeping its best; 5 by default, as other sessions share the machine).
/// </summary>
internal static class CompressBenchmark
{
    private const int Seed = 1;
    private const string OutputFolder = "scripts/bench/out/compress";
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static async Task<int> Run(string[] args)
    {
        var options = Arguments(args);
        var trainCount = (int)Number(options, "train", 0);
        var testCount = (int)Number(options, "test", 0);
        var epochs = (int)Number(options, "epochs", 5);
        var fineTune = (int)Number(options, "fine-tune", 2);
        // The best of the --distill-only sweeps (figures in compress.sh's header): α 0.7, T 1. Temperatures above 1 cost
        // accuracy in 5 epochs: the soft targets' gradient becomes a slow regression onto all ten teacher logits.
        var alpha = Number(options, "alpha", 0.7);
        var temperature = Number(options, "temperature", 1);
        var runtime = NativeRuntime.EnsureStarted();
        Console.WriteLine($"device={runtime.Device} threads={runtime.IntraOpThreads}");

        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        if (trainCount > 0) train = train.Select([.. Enumerable.Range(0, trainCount)]);
        if (testCount > 0) test = test.Select([.. Enumerable.Range(0, testCount)]);
        if (Number(options, "validation", 0) is > 0 and var held)
        {
            // Sweeps choose on a seeded hold-out of the training images, never on the test images.
            var order = SeededShuffle.Permutation(train.Count, 20_251_207, 0);
            var cut = train.Count - (int)held;
            (train, test) = (train.Select(order[..cut]), train.Select(order[cut..]));
            Console.WriteLine($"validation: {test.Count} training images held out (seeded) and scored in place of the test images");
        }
        Console.WriteLine($"train {train.Count} samples, test {test.Count} samples");
        var threads = (int)Number(options, "threads", 1);
        var meter = new ModelMeter(new MeasurementOptions
        {
            ThroughputDuration = TimeSpan.FromSeconds(Number(options, "seconds", 1.0)),
            Rounds = (int)Number(options, "rounds", 5),
            IntraOpThreads = threads > 0 ? threads : null,
        });
        Console.WriteLine($"timings with {(threads > 0 ? threads.ToString(s_invariant) : "ONNX Runtime's choice of")} intra-op thread(s)");

        var studentSeed = (int)Number(options, "seed", Seed);
        if (Number(options, "resnet-only", 0) != 0)
        {
            var (mean, min) = await ResnetDistillation.Run(options, train, test, epochs);
            Console.WriteLine(Invariant($"RESULT distill_resnet_gain_mean={mean:F2} distill_resnet_gain_min={min:F2}"));
            return 0;
        }

        var teacherSpec = ReadySpecs.Get(options.GetValueOrDefault("teacher", ReadySpecs.FashionCnn.Name));
        var teacher = await Teacher(options, teacherSpec, train, test, epochs);

        var studentDropout = Number(options, "student-dropout", -1);
        if (Number(options, "distill-only", 0) != 0)
        {
            var grid = Numbers(options, "alphas", [0.1, 0.3, 0.5, 0.7]).SelectMany(a => Numbers(options, "temperatures", [2, 4, 8]).Select(t => (a, t))).ToArray();
            var sweepStudent = options.TryGetValue("student", out var name) ? ReadySpecs.Get(name) : HalfWidth(teacherSpec, studentDropout);
            return await DistillationSweep(teacher, sweepStudent, train, test, epochs, studentSeed, grid);
        }

        var int8 = await Compress("int8, tolerance 1 point", teacher, new QuantizationRecipe { TolerancePoints = 1.0, ThinConvolutionsFloat32 = Number(options, "thin-float32", 1) != 0 }, train, test, meter);
        if (Number(options, "int8-only", 0) != 0) return 0;
        var prune80 = await Compress("80 % unstructured, gradual, 2 fine-tune epochs", teacher, new UnstructuredPruningRecipe
        {
            Sparsity = 0.8,
            Schedule = PruningSchedule.Gradual,
            FineTuning = Training(fineTune, 5e-4),
        }, train, test, meter);
        var structured50 = await Compress("50 % structured, 2 fine-tune epochs", teacher, new StructuredPruningRecipe
        {
            Ratio = 0.5,
            FineTuning = Training(fineTune, 1e-3),
        }, train, test, meter);

        var student = HalfWidth(teacherSpec, studentDropout);
        var distilled = await Compress(Invariant($"distilled student {student.Name}, α {alpha}, T {temperature}"), teacher,
            new DistillationRecipe(student, Training(epochs, 1e-3, studentSeed)) { Alpha = alpha, Temperature = temperature }, train, test, meter);
        Console.WriteLine($"== the same student from scratch, seed {studentSeed}, {epochs} epochs");
        var scratch = (await new Trainer().TrainToEnd(new TrainingRequest(student, train, null, Training(epochs, 1e-3, studentSeed)))).Model;
        var scratchAccuracy = ModelEvaluator.Evaluate(scratch, test).Accuracy;
        Console.WriteLine(Invariant($"from scratch: {scratchAccuracy:P2}; distilled: {distilled.Report.Compressed.TestAccuracy:P2}"));

        var (resnetGainMean, resnetGainMin) = await ResnetDistillation.Run(options, train, test, epochs);

        Console.WriteLine(Invariant($"RESULT int8_size_ratio={int8.Report.SizeRatio:F3} int8_speedup_b64={int8.Report.ThroughputRatio:F3} int8_acc_drop={-int8.Report.AccuracyChangePoints:F2} prune80_acc_drop={-prune80.Report.AccuracyChangePoints:F2} structured50_speedup_b64={structured50.Report.ThroughputRatio:F3} structured50_acc_drop={-structured50.Report.AccuracyChangePoints:F2} distill_gain={(distilled.Report.Compressed.TestAccuracy - scratchAccuracy) * 100:F2} distill_resnet_gain_mean={resnetGainMean:F2} distill_resnet_gain_min={resnetGainMin:F2} int8_form={int8.Report.Quantization!.Form}"));
        return 0;
    }

    /// <summary>
    /// The teacher: <paramref name="spec"/> trained on its ready recipe (<see cref="ReadyTraining"/>, seed 1) or, where it
    /// has none, for <paramref name="epochs"/> epochs of Adam 1e-3 under a cosine schedule. With --teacher-cache DIR it
    /// is trained once and kept in DIR (weights and standardisation) for repeated sweeps; its file name carries the
    /// training set size and epochs, so another setup trains its own.
    /// </summary>
    internal static async Task<TrainedModel> Teacher(Dictionary<string, string> options, ModelSpec spec, Dataset train, Dataset test, int epochs)
    {
        var training = ReadyTraining.For(spec.Name) is { } ready ? ready with { Seed = Seed } : Training(epochs, 1e-3);
        if (options.ContainsKey("teacher-epochs")) training = training with { Epochs = (int)Number(options, "teacher-epochs", training.Epochs) };
        Console.WriteLine($"== teacher {spec.Name}, {training.Epochs} epochs, {training.Optimizer.Kind}, {training.Schedule.Kind} schedule, augmentation {training.Augmentation?.ToString() ?? "none"}");
        var stem = options.TryGetValue("teacher-cache", out var folder) ? Path.Combine(folder, Invariant($"{spec.Name}-n{train.Count}-e{training.Epochs}-seed{Seed}")) : null;
        TrainedModel teacher;
        if (stem is not null && File.Exists(stem + ".safetensors"))
        {
            Console.WriteLine($"teacher from {stem}.safetensors");
            var weights = SafetensorsReader.Read(File.ReadAllBytes(stem + ".safetensors")).Weights;
            var standardization = JsonSerializer.Deserialize<FeatureStandardization>(File.ReadAllText(stem + ".standardization.json"));
            teacher = new TrainedModel(spec, weights, standardization, train.ClassNames);
        }
        else
        {
            TrainingResult? result = null;
            await foreach (var e in new Trainer().Train(new TrainingRequest(spec, train, null, training)))
            {
                if (e is EpochCompleted { Metrics: var m })
                    Console.WriteLine(Invariant($"  teacher epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:P2} {m.SamplesPerSecond:F0} samples/s"));
                if (e is TrainingCompleted done) result = done.Result;
            }
            teacher = result!.Model;
            if (stem is not null)
            {
                Directory.CreateDirectory(folder!);
                File.WriteAllBytes(stem + ".safetensors", SafetensorsWriter.ToBytes(teacher.Weights));
                File.WriteAllText(stem + ".standardization.json", JsonSerializer.Serialize(teacher.Standardization));
            }
        }
        Console.WriteLine(Invariant($"teacher test accuracy {ModelEvaluator.Evaluate(teacher, test).Accuracy:P2}"));
        return teacher;
    }

    /// <summary>--distill-only 1: the half-width student from scratch, then distilled at each (α, T) of the grid, each gain printed.</summary>
    private static async Task<int> DistillationSweep(TrainedModel teacher, ModelSpec student, Dataset train, Dataset test, int epochs, int seed, (double Alpha, double Temperature)[] grid)
    {
        Console.WriteLine($"student {student.Name}: {student.ParameterCount} parameters, layers {string.Join(' ', student.Layers.Select(l => l.Kind))}");
        var scratch = (await new Trainer().TrainToEnd(new TrainingRequest(student, train, null, Training(epochs, 1e-3, seed)))).Model;
        var scratchAccuracy = ModelEvaluator.Evaluate(scratch, test).Accuracy;
        Console.WriteLine(Invariant($"from scratch (seed {seed}): {scratchAccuracy:P2}"));
        var quick = new ModelMeter(new MeasurementOptions { Rounds = 1, LatencyRuns = 50, ThroughputDuration = TimeSpan.FromSeconds(0.1) });
        foreach (var (alpha, temperature) in grid)
        {
            var recipe = new DistillationRecipe(student, Training(epochs, 1e-3, seed)) { Alpha = alpha, Temperature = temperature };
            var result = await new Compressor().CompressToEnd(new CompressionRequest(teacher, recipe, train, test) { Meter = quick });
            // The gain compares ONNX Runtime's accuracy of the exported student with the engine's of the scratch one: print both engines' figures.
            var engineAccuracy = ModelEvaluator.Evaluate(result.Model, test).Accuracy;
            Console.WriteLine(Invariant($"alpha={alpha} T={temperature}: distilled {result.Report.Compressed.TestAccuracy:P2} (engine {engineAccuracy:P2}), gain {(result.Report.Compressed.TestAccuracy - scratchAccuracy) * 100:F2} points"));
        }
        return 0;
    }

    private static async Task<CompressionResult> Compress(string title, TrainedModel parent, CompressionRecipe recipe, Dataset train, Dataset test, ModelMeter meter)
    {
        Console.WriteLine($"== {title}");
        CompressionResult? result = null;
        await foreach (var e in new Compressor().Compress(new CompressionRequest(parent, recipe, train, test) { Meter = meter }))
        {
            switch (e)
            {
                case CompressionStageStarted s:
                    Console.WriteLine($"  [{s.Stage}] {s.Detail}");
                    break;
                case CompressionTrainingProgress { Training: EpochCompleted { Metrics: var m } }:
                    Console.WriteLine(Invariant($"  epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:P2} {m.SamplesPerSecond:F0} samples/s"));
                    break;
                case CompressionCompleted done:
                    result = done.Result;
                    break;
            }
        }
        Print(result!.Report);
        Directory.CreateDirectory(OutputFolder);
        File.WriteAllBytes(Path.Combine(OutputFolder, $"{recipe.Method}.onnx"), result.Onnx);
        File.WriteAllBytes(Path.Combine(OutputFolder, "parent.onnx"), Portal.Engine.Onnx.OnnxExporter.Export(parent.Spec, parent.Weights,
            new Portal.Engine.Onnx.OnnxExportOptions { Standardization = parent.Standardization, ClassLabels = parent.ClassNames }));
        return result;
    }

    private static void Print(CompressionReport r)
    {
        static string Figures(ModelFigures f) => Invariant(
            $"params {f.Parameters} non-zero {f.NonZeroParameters} onnx {f.OnnxBytes} B (gzip {f.OnnxGzipBytes} B) acc {f.TestAccuracy:P2} b1 p50 {f.LatencyP50Ms * 1000:F0} µs p95 {f.LatencyP95Ms * 1000:F0} µs b64 {f.ThroughputBatch64:F0} samples/s");
        Console.WriteLine($"  parent:     {Figures(r.Parent)}");
        Console.WriteLine($"  compressed: {Figures(r.Compressed)}");
        Console.WriteLine(Invariant($"  accuracy {r.AccuracyChangePoints:+0.00;-0.00} points, size ×{r.SizeRatio:F2} smaller (gzip ×{r.GzipSizeRatio:F2}), b1 p50 ×{r.LatencyP50Ratio:F2}, b64 throughput ×{r.ThroughputRatio:F2}"));
        foreach (var note in r.Notes) Console.WriteLine($"  note: {note}");
        if (r.Quantization is { } q)
        {
            Console.WriteLine(Invariant($"  int8 layers [{string.Join(',', q.QuantizedLayers)}], fully quantized accuracy {q.FullyQuantizedAccuracy:P2}, met tolerance: {q.MetTolerance}"));
            foreach (var f in q.Float32Layers) Console.WriteLine($"  float32: layer {f.LayerIndex} ({f.Kind}): {f.Reason}");
            Console.WriteLine($"  ONNX Runtime runs: {string.Join(", ", q.RuntimeOperators.Select(p => $"{p.Key}×{p.Value}"))}");
        }
    }

    /// <summary>The spec with every hidden layer's channels or neurons halved; a dropout probability ≥ 0 replaces the spec's (0 removes its dropout).</summary>
    private static ModelSpec HalfWidth(ModelSpec spec, double dropout)
    {
        var lastWeight = spec.Layers.ToList().FindLastIndex(l => l is LinearLayer or Conv2dLayer);
        var layers = spec.Layers.Select((l, i) => i == lastWeight ? l : l switch
        {
            Conv2dLayer c => c with { OutChannels = c.OutChannels / 2 },
            LinearLayer f => f with { OutFeatures = f.OutFeatures / 2 },
            DropoutLayer d when dropout >= 0 => d with { P = dropout },
            _ => l,
        });
        if (dropout == 0) layers = layers.Where(l => l is not DropoutLayer);
        return spec with { Name = $"{spec.Name}-half", Layers = [.. layers] };
    }

    internal static TrainingOptions Training(int epochs, double learningRate, int seed = Seed) => new()
    {
        Epochs = epochs,
        BatchSize = 128,
        Seed = seed,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = learningRate },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine },
    };

    private static Dictionary<string, string> Arguments(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Expected an option, got '{args[i]}'.");
            values[args[i][2..]] = args[i + 1];
        }
        return values;
    }

    internal static double Number(Dictionary<string, string> options, string name, double fallback) =>
        options.TryGetValue(name, out var text) ? double.Parse(text, s_invariant) : fallback;

    internal static double[] Numbers(Dictionary<string, string> options, string name, double[] fallback) =>
        options.TryGetValue(name, out var text) ? [.. text.Split(',').Select(v => double.Parse(v, s_invariant))] : fallback;

    internal static string Invariant(FormattableString text) => text.ToString(s_invariant);
}
