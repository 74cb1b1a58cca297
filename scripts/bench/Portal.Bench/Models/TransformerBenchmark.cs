using System.Globalization;
using Portal.Bench.Train;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using Portal.Engine.Weights;

namespace Portal.Bench.Models;

/// <summary>
/// The text-transformer half of scripts/bench/models.sh, on the fortunes split tokenised by its training split's
/// <see cref="WordTokenizer"/> at the spec's length (64). Each command prints <c>FIGURE key=value</c> lines.
/// </summary>
internal static class TransformerBenchmark
{
    private const int Seed = 1;
    private const int BatchSize = 128;
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// text-speed OUT [--epochs E]: E epochs (3 by default; a fortunes epoch is short) of text-transformer, batch 128,
    /// Adam 1e-3, from seeded weights and in batch orders the peer gets too (text.* files, one order per epoch); also
    /// the first batch's loss under the initial weights with dropout off, which the peer must repeat.
    /// </summary>
    public static async Task<int> Speed(string[] args)
    {
        var output = args[0];
        var epochs = new BenchOptions(args.Skip(1)).Integer("epochs", 3);
        Directory.CreateDirectory(output);
        var runtime = NativeRuntime.EnsureStarted();
        var spec = ReadySpecs.TextTransformer;
        var (train, _) = Split(spec);

        var initial = ModelInitialization.Seeded(spec, Seed);
        File.WriteAllText(Path.Combine(output, $"{spec.Name}.spec.json"), spec.ToJson());
        File.WriteAllBytes(Path.Combine(output, $"{spec.Name}.init.safetensors"), SafetensorsWriter.ToBytes(initial));
        var orders = Enumerable.Range(1, epochs).SelectMany(e => SeededShuffle.Permutation(train.Count, Seed, e)).ToArray();
        TrainBenchmark.WriteRaw(Path.Combine(output, "text.features.f32"), train.Features);
        TrainBenchmark.WriteRaw<long>(Path.Combine(output, "text.labels.i64"), [.. train.Labels.ToArray().Select(l => (long)l)]);
        TrainBenchmark.WriteRaw<long>(Path.Combine(output, "text.order.i64"), [.. orders.Select(i => (long)i)]);

        var first = train.Select([.. orders.Take(BatchSize)]);
        Figure($"{spec.Name}.engine_first_loss", EvalLoss(new TrainedModel(spec, initial, null, train.ClassNames), first));

        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = BatchSize,
            Seed = Seed,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 1e-3 },
            Standardization = null,
        };
        var result = await new Trainer().TrainToEnd(new TrainingRequest(spec, train, null, options) { InitialWeights = initial });
        var seconds = result.History.Sum(m => train.Count / m.SamplesPerSecond);
        Figure($"{spec.Name}.engine_samples_per_s", epochs * train.Count / seconds);
        Figure("train_count", train.Count);
        Figure("train_epochs", epochs);
        Figure("threads", TrainingThreads.For(spec, BatchSize, runtime));
        return 0;
    }

    /// <summary>
    /// transformer-accuracy [--epochs E] [--lr L] [--wd W] [--batch B] [--spec FILE] [--validation F] [--fold K] [--seed S]:
    /// text-transformer on its ready recipe (<see cref="ReadyTraining.TextTransformer"/>), resident memory after each
    /// epoch, then test accuracy, on the test texts as written and with each text's words shuffled. The options override the recipe and the spec for sweeps; --validation F holds out that fraction of the
    /// training split (--fold K seeds the hold-out) and reports on it instead of the test split, so a sweep never chooses
    /// on the test texts; --seed S is the training seed.
    /// </summary>
    public static async Task<int> Accuracy(string[] args)
    {
        var overrides = new BenchOptions(args);
        NativeRuntime.EnsureStarted();
        var spec = overrides.Text("spec") is { } file ? ModelSpec.FromJson(File.ReadAllText(file)) : ReadySpecs.TextTransformer;
        var (train, test) = overrides.Has("validation") ? ValidationSplit(spec, overrides.Number("validation", 0.2), overrides.Integer("fold", Seed)) : Split(spec);
        var ready = ReadyTraining.TextTransformer;
        var recipe = ready with
        {
            Seed = overrides.Integer("seed", Seed),
            Epochs = overrides.Integer("epochs", ready.Epochs),
            BatchSize = overrides.Integer("batch", ready.BatchSize),
            Optimizer = ready.Optimizer with
            {
                LearningRate = overrides.Number("lr", ready.Optimizer.LearningRate),
                WeightDecay = overrides.Number("wd", ready.Optimizer.WeightDecay),
            },
        };
        Console.WriteLine($"fortunes: {train.Count} training and {test.Count} test texts over {string.Join(", ", train.ClassNames)}, {spec.InputShape[0]} ids each");
        Console.WriteLine(string.Create(s_invariant, $"{spec.Name}: {spec.ParameterCount} parameters; {recipe.Epochs} epochs, batch {recipe.BatchSize}, {recipe.Optimizer.Kind} lr {recipe.Optimizer.LearningRate} weight decay {recipe.Optimizer.WeightDecay}, {recipe.Schedule.Kind} schedule"));
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(new TrainingRequest(spec, train, test, recipe)))
        {
            if (e is EpochCompleted { Metrics: var m })
            {
                var (rss, peak) = ProcessMemory.Read();
                Console.WriteLine(string.Create(s_invariant, $"epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:F4} test loss {m.ValidationLoss:F4} test acc {m.ValidationAccuracy:F4} {m.SamplesPerSecond:F0} samples/s rss {rss:F0} MB peak {peak:F0} MB"));
                Figure($"{spec.Name}.rss_mb_epoch{m.Epoch}", rss);
            }
            if (e is TrainingCompleted done) result = done.Result;
        }
        Figure($"{spec.Name}.test_accuracy", ModelEvaluator.Evaluate(result!.Model, test).Accuracy);
        // The same model on the same texts with each text's words in a seeded random order: what word order is worth to it.
        Figure($"{spec.Name}.shuffled_words_test_accuracy", ModelEvaluator.Evaluate(result.Model, WordsShuffled(test, spec, Seed)).Accuracy);
        Figure($"{spec.Name}.rss_mb_end", ProcessMemory.Read().ResidentMb);
        Figure($"{spec.Name}.peak_rss_mb", ProcessMemory.Read().PeakMb);
        return 0;
    }

    /// <summary>attention-parity: <see cref="AttentionParity.MaxAbs"/>, ONNX Runtime against TorchSharp over the attention variants.</summary>
    public static Task<int> Parity(string[] args)
    {
        NativeRuntime.EnsureStarted();
        Console.WriteLine(string.Create(s_invariant, $"FIGURE attention_parity_max_abs={AttentionParity.MaxAbs(Seed):0.###e+0}"));
        return Task.FromResult(0);
    }

    private static (Dataset Train, Dataset Test) Split(ModelSpec spec)
    {
        var (train, test) = FortunesCorpus.LoadSplit();
        var tokenizer = WordTokenizer.Build(train);
        return (TextEncoding.ForSpec(train, tokenizer, spec), TextEncoding.ForSpec(test, tokenizer, spec));
    }

    /// <summary>The fortunes training split only: a seeded part of it held out for choosing a recipe.</summary>
    private static (Dataset Train, Dataset Validation) ValidationSplit(ModelSpec spec, double fraction, int seed)
    {
        var (train, validation) = FortunesCorpus.LoadSplit().Train.Split(fraction, seed);
        var tokenizer = WordTokenizer.Build(train);
        return (TextEncoding.ForSpec(train, tokenizer, spec), TextEncoding.ForSpec(validation, tokenizer, spec));
    }

    /// <summary>
    /// <paramref name="texts"/> with the ids before each text's first padding id permuted (seeded per text); the
    /// padding stays where it is, so lengths, words and labels are unchanged and only the order is lost.
    /// </summary>
    private static Dataset WordsShuffled(Dataset texts, ModelSpec spec, int seed)
    {
        var padding = spec.Tokens?.PaddingId ?? 0;
        var features = texts.Features.ToArray();
        var width = texts.FeatureCount;
        var random = new Random(seed);
        for (var i = 0; i < texts.Count; i++)
        {
            var row = features.AsSpan(i * width, width);
            var length = row.IndexOf((float)padding) is var end and >= 0 ? end : width;
            random.Shuffle(row[..length]);
        }
        return new Dataset(texts.Name + " (words shuffled)", features, texts.SampleShape, texts.Labels.ToArray(), texts.ClassNames);
    }

    /// <summary>Mean cross-entropy of the model's outputs (eval mode: dropout off) on <paramref name="batch"/>.</summary>
    private static double EvalLoss(TrainedModel model, Dataset batch)
    {
        var (outputs, width) = ModelEvaluator.Predict(model, batch);
        var labels = batch.Labels.ToArray();
        double total = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var row = outputs.AsSpan(i * width, width);
            var max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            total += max + Math.Log(sum) - row[labels[i]];
        }
        return total / batch.Count;
    }

    private static void Figure(string key, double value) => Console.WriteLine(string.Create(s_invariant, $"FIGURE {key}={value:0.######}"));
}
