using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Portal.Engine.Compression;

/// <summary>Per-tensor uint8 parameters of one activation: real = (q − zero point) · scale.</summary>
internal readonly record struct ActivationQuantization(float Scale, byte ZeroPoint)
{
    /// <summary>Asymmetric uint8 over [min(lo, 0), max(hi, 0)], so that 0 is exact (ReLU outputs get zero point 0).</summary>
    public static ActivationQuantization FromRange(double low, double high)
    {
        var min = Math.Min(low, 0);
        var max = Math.Max(high, 0);
        var scale = (max - min) / 255;
        if (!(scale > 1e-12)) return new ActivationQuantization(1e-6f, (byte)Math.Clamp(Math.Round(-min / 1e-6), 0, 255));
        return new ActivationQuantization((float)scale, (byte)Math.Clamp(Math.Round(-min / scale), 0, 255));
    }
}

/// <summary>
/// Runs the float network (eval mode) over calibration samples and measures the range of the standardised input
/// (point −1) and of every layer's output (point = layer index): min/max, or percentiles of a subsample of at
/// most <see cref="MaxValuesPerPoint"/> values.
/// </summary>
internal static class ActivationCalibration
{
    private const int BatchSize = 250;
    private const int MaxValuesPerPoint = 2_000_000;

    public static Dictionary<int, ActivationQuantization> Measure(TrainedModel model, Dataset train, QuantizationRecipe recipe, CancellationToken cancellationToken)
    {
        if (train.Count == 0)
            throw new ArgumentException($"Calibration needs training samples; dataset '{train.Name}' has none.");
        var runtime = NativeRuntime.EnsureStarted();
        NativeRuntime.ApplyToCurrentThread(runtime);
        var count = Math.Min(recipe.CalibrationSamples, train.Count);
        var chosen = SeededShuffle.Permutation(train.Count, recipe.Seed, 0).Take(count).ToArray();
        var samples = train.Select(chosen, $"{train.Name} (calibration)");

        var report = model.Spec.Infer();
        var perSample = new List<long> { model.Spec.InputShape.Aggregate(1L, (a, b) => a * b) };
        perSample.AddRange(report.Layers.Select(l => l.OutputShape.Aggregate(1L, (a, b) => a * b)));
        var low = Enumerable.Repeat(double.PositiveInfinity, perSample.Count).ToArray();
        var high = Enumerable.Repeat(double.NegativeInfinity, perSample.Count).ToArray();
        var kept = perSample.Select(_ => new List<float>()).ToArray();
        var strides = perSample.Select(n => Math.Max(1L, (long)Math.Ceiling((double)n * count / MaxValuesPerPoint))).ToArray();

        using var network = NetworkFactory.Build(model.Spec);
        NetworkFactory.ImportWeights(network, model.Weights);
        network.eval();
        using var data = new TensorDataset(samples, model.Spec, model.Standardization, CPU);
        var modules = network.children().Cast<nn.Module<Tensor, Tensor>>().ToArray();
        using var _ = no_grad();
        for (var start = 0; start < count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var x = data.Features.narrow(0, start, Math.Min(BatchSize, count - start));
            Observe(0, x);
            for (var i = 0; i < modules.Length; i++)
            {
                x = modules[i].forward(x);
                Observe(i + 1, x);
            }
        }

        var result = new Dictionary<int, ActivationQuantization>();
        for (var p = 0; p < perSample.Count; p++)
        {
            var (lo, hi) = recipe.Calibration == CalibrationMethod.MinMax ? (low[p], high[p]) : Percentiles(kept[p], recipe.Percentile);
            result[p - 1] = ActivationQuantization.FromRange(lo, hi);
        }
        return result;

        void Observe(int point, Tensor value)
        {
            if (recipe.Calibration == CalibrationMethod.MinMax)
            {
                low[point] = Math.Min(low[point], value.min().item<float>());
                high[point] = Math.Max(high[point], value.max().item<float>());
                return;
            }
            var flat = value.contiguous().flatten();
            kept[point].AddRange(flat.slice(0, 0, flat.shape[0], strides[point]).data<float>().ToArray());
        }
    }

    private static (double Low, double High) Percentiles(List<float> values, double percentile)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return (At(100 - percentile), At(percentile));
    }
}
