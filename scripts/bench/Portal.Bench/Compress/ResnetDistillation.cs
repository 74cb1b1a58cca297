using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Training;
using static Portal.Bench.Compress.CompressBenchmark;

namespace Portal.Bench.Compress;

/// <summary>
/// Issue 25's distillation figure: fashion-resnet (its ready recipe) teaching fashion-cnn. For each of --resnet-seeds
/// student seeds (5 by default; 0 skips it), fashion-cnn from scratch and distilled, with the same options and epochs;
/// the gain is distilled minus from-scratch test accuracy in points, both scored by the engine's evaluator.
/// --resnet-alpha A and --resnet-temperature T set the distillation; --resnet-alphas a,b,… with --resnet-temperatures
/// t,u,… distil at each pair against the same from-scratch students instead, for a sweep (with --validation N).
/// --resnet-student-flip 1 trains both students on mirrored images half the time, the distilled one taught the
/// teacher's logits for the image it saw (a consistent teacher).
/// </summary>
internal static class ResnetDistillation
{
    // Not yet chosen by a sweep: --validation N with the grid options runs one on a hold-out of the training images.
    private const double DefaultAlpha = 0.5;
    private const double DefaultTemperature = 2;

    public static async Task<(double Mean, double Min)> Run(Dictionary<string, string> options, Dataset train, Dataset test, int epochs)
    {
        var seeds = (int)Number(options, "resnet-seeds", 5);
        if (seeds <= 0) return (double.NaN, double.NaN);
        var alphas = Numbers(options, "resnet-alphas", [Number(options, "resnet-alpha", DefaultAlpha)]);
        var temperatures = Numbers(options, "resnet-temperatures", [Number(options, "resnet-temperature", DefaultTemperature)]);
        var grid = alphas.SelectMany(a => temperatures.Select(t => (Alpha: a, Temperature: t))).ToArray();
        var teacher = await Teacher(options, ReadySpecs.FashionResnet, train, test, epochs);
        var student = ReadySpecs.FashionCnn;
        var flip = Number(options, "resnet-student-flip", 0) != 0;
        Console.WriteLine(Invariant($"== {teacher.Spec.Name} teaching {student.Name}: {seeds} student seeds, {epochs} epochs each{(flip ? ", students on mirrored images half the time" : "")}, (α, T) {string.Join(' ', grid.Select(g => Invariant($"({g.Alpha}, {g.Temperature})")))}"));
        var meter = new ModelMeter(new MeasurementOptions { Rounds = 1, LatencyRuns = 50, ThroughputDuration = TimeSpan.FromSeconds(0.1) });
        var gains = grid.Select(_ => new List<double>()).ToArray();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var training = Training(epochs, 1e-3, seed) with { Augmentation = flip ? new ImageAugmentation(HorizontalFlip: true) : null };
            var scratch = (await new Trainer().TrainToEnd(new TrainingRequest(student, train, null, training))).Model;
            var scratchAccuracy = ModelEvaluator.Evaluate(scratch, test).Accuracy;
            for (var g = 0; g < grid.Length; g++)
            {
                var recipe = new DistillationRecipe(student, training) { Alpha = grid[g].Alpha, Temperature = grid[g].Temperature };
                var distilled = await new Compressor().CompressToEnd(new CompressionRequest(teacher, recipe, train, test) { Meter = meter });
                var distilledAccuracy = ModelEvaluator.Evaluate(distilled.Model, test).Accuracy;
                gains[g].Add((distilledAccuracy - scratchAccuracy) * 100);
                Console.WriteLine(Invariant($"seed {seed}, α {grid[g].Alpha}, T {grid[g].Temperature}: from scratch {scratchAccuracy:P2}, distilled {distilledAccuracy:P2} (ONNX Runtime {distilled.Report.Compressed.TestAccuracy:P2}), gain {gains[g][^1]:+0.00;-0.00} points"));
            }
        }
        for (var g = 0; g < grid.Length; g++)
        {
            var mean = gains[g].Average();
            var spread = Math.Sqrt(gains[g].Sum(x => (x - mean) * (x - mean)) / Math.Max(1, gains[g].Count - 1));
            Console.WriteLine(Invariant($"α {grid[g].Alpha}, T {grid[g].Temperature}: distillation gain over {gains[g].Count} seeds: mean {mean:+0.00;-0.00}, min {gains[g].Min():+0.00;-0.00}, max {gains[g].Max():+0.00;-0.00}, standard deviation {spread:F2} points"));
        }
        return (gains[0].Average(), gains[0].Min());
    }
}
