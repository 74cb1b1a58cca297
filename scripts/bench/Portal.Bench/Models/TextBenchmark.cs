using System.Globalization;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;

namespace Portal.Bench.Models;

/// <summary>
/// The text half of scripts/bench/models.sh, on the built-in fortunes split (<see cref="FortunesCorpus"/>) with a
/// word-level tokenizer built from its training split. Each command prints <c>FIGURE key=value</c> lines.
/// </summary>
internal static class TextBenchmark
{
    private const int Seed = 1;
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// The baseline a sequence model must beat: word counts over the training vocabulary into a one-hidden-layer MLP.
    /// </summary>
    private static readonly TrainingOptions s_bagOfWordsRecipe = new()
    {
        Epochs = 10,
        BatchSize = 64,
        Seed = Seed,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0.01 },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine },
        Standardization = null,
    };

    /// <summary>
    /// bow-accuracy [--validation F] [--fold K] [--seed S]: the bag-of-words MLP trained on the fortunes training split, then its test
    /// accuracy; --validation F holds out that fraction of the training split and reports on it instead, as
    /// transformer-accuracy does (--fold K: the hold-out's seed; --seed S: the training seed).
    /// </summary>
    public static async Task<int> BagOfWordsAccuracy(string[] args)
    {
        var overrides = new BenchOptions(args);
        NativeRuntime.EnsureStarted();
        var (train, test) = FortunesCorpus.LoadSplit();
        if (overrides.Has("validation")) (train, test) = train.Split(overrides.Number("validation", 0.2), overrides.Integer("fold", Seed));
        var tokenizer = WordTokenizer.Build(train);
        Console.WriteLine($"fortunes: {train.Count} training and {test.Count} test texts over {string.Join(", ", train.ClassNames)}; {tokenizer.VocabularySize} ids from the training split");
        var spec = new ModelSpec("fortunes-bow-mlp", [tokenizer.VocabularySize],
            [new LinearLayer(128), new ReLULayer(), new DropoutLayer(0.5), new LinearLayer(train.ClassNames.Count)]);
        var model = await Train(spec, TextEncoding.BagOfWords(train, tokenizer), s_bagOfWordsRecipe with { Seed = overrides.Integer("seed", Seed) });
        Figure("bow.test_accuracy", ModelEvaluator.Evaluate(model, TextEncoding.BagOfWords(test, tokenizer)).Accuracy);
        return 0;
    }

    private static async Task<TrainedModel> Train(ModelSpec spec, Dataset train, TrainingOptions recipe)
    {
        Console.WriteLine(string.Create(s_invariant, $"{spec.Name}: {spec.ParameterCount} parameters; {recipe.Epochs} epochs, batch {recipe.BatchSize}, {recipe.Optimizer.Kind} lr {recipe.Optimizer.LearningRate} weight decay {recipe.Optimizer.WeightDecay}, {recipe.Schedule.Kind} schedule"));
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(new TrainingRequest(spec, train, null, recipe)))
        {
            if (e is EpochCompleted { Metrics: var m })
                Console.WriteLine(string.Create(s_invariant, $"  epoch {m.Epoch}: loss {m.TrainLoss:F4} train acc {m.TrainAccuracy:F4} {m.SamplesPerSecond:F0} samples/s"));
            if (e is TrainingCompleted done) result = done.Result;
        }
        return result!.Model;
    }

    private static void Figure(string key, double value) => Console.WriteLine(string.Create(s_invariant, $"FIGURE {key}={value:0.######}"));
}
