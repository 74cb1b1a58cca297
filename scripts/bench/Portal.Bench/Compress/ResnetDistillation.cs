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
/// --resnet-alpha A and --resnet-temperature T set the distillation.
/// </summary>
internal static class ResnetDistillation
{
    // The resnet-teacher sweeps are in compress.sh's header.
    private const double DefaultAlpha = 0.5;
    private const double DefaultTemperature = 2;

    public static async Task<(double Mean, double Min)> Run(Dictionary<string, string> options, Dataset train, Dataset test, int epochs)
    {
        var seeds = (int)Number(options, "resnet-seeds", 5);
        if (seeds <= 0) return (double.NaN, double.NaN);
        var alpha = Number(options, "resnet-alpha", DefaultAlpha);
        var temperature = Number(options, "resnet-temperature", DefaultTemperature);
        var teacher = await Teacher(options, ReadySpecs.FashionResnet, train, test, epochs);
        var student = ReadySpecs.FashionCnn;
        Console.WriteLine(Invariant($"== {teacher.Spec.Name} teaching {student.Name}: {seeds} student seeds, {epochs} epochs each, α {alpha}, T {temperature}"));
        var meter = new ModelMeter(new MeasurementOptions { Rounds = 1, LatencyRuns = 50, ThroughputDuration = TimeSpan.FromSeconds(0.1) });
        var gains = new List<double>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var training = Training(epochs, 1e-3, seed);
            var scratch = (await new Trainer().TrainToEnd(new TrainingRequest(student, train, null, training))).Model;
            var recipe = new DistillationRecipe(student, training) { Alpha = alpha, Temperature = temperature };
            var distilled = await new Compressor().CompressToEnd(new CompressionRequest(teacher, recipe, train, test) { Meter = meter });
            var scratchAccuracy = ModelEvaluator.Evaluate(scratch, test).Accuracy;
            var distilledAccuracy = ModelEvaluator.Evaluate(distilled.Model, test).Accuracy;
            gains.Add((distilledAccuracy - scratchAccuracy) * 100);
            Console.WriteLine(Invariant($"seed {seed}: from scratch {scratchAccuracy:P2}, distilled {distilledAccuracy:P2} (ONNX Runtime {distilled.Report.Compressed.TestAccuracy:P2}), gain {gains[^1]:+0.00;-0.00} points"));
        }
        var mean = gains.Average();
        var spread = Math.Sqrt(gains.Sum(g => (g - mean) * (g - mean)) / Math.Max(1, gains.Count - 1));
        Console.WriteLine(Invariant($"distillation gain over {gains.Count} seeds: mean {mean:+0.00;-0.00}, min {gains.Min():+0.00;-0.00}, max {gains.Max():+0.00;-0.00}, standard deviation {spread:F2} points"));
        return (mean, gains.Min());
    }
}
