using System.Diagnostics;
using Portal.Engine.Inference;

namespace Portal.Bench.Infer;

internal sealed record LatencyFigures(int Calls, double P50Micros, double P99Micros);

internal sealed record ThroughputFigures(int Calls, double Seconds, double SamplesPerSecond);

/// <summary>The engine's side of the measurement, mirroring the node peer call for call.</summary>
internal static class EngineTimings
{
    public static LatencyFigures BatchOne(InferenceModel model, int features, int outputs, int warmup, int calls)
    {
        var input = BenchModel.RawSamples(1, features, seed: 21);
        var output = new float[outputs];
        for (var i = 0; i < warmup; i++) model.Run(input, 1, output);
        var ticks = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            model.Run(input, 1, output);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(ticks);
        return new LatencyFigures(calls, Micros(Percentile(ticks, 0.50)), Micros(Percentile(ticks, 0.99)));
    }

    /// <summary>Samples per second over <paramref name="seconds"/> of back-to-back batched runs, after three warm-up runs (as the node peer).</summary>
    public static ThroughputFigures Batched(InferenceModel model, int features, int outputs, int batch, double seconds)
    {
        var input = BenchModel.RawSamples(batch, features, seed: 22);
        var output = new float[batch * outputs];
        for (var i = 0; i < 3; i++) model.Run(input, batch, output);
        var budget = (long)(seconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var calls = 0;
        while (Stopwatch.GetTimestamp() - start < budget)
        {
            model.Run(input, batch, output);
            calls++;
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ThroughputFigures(calls, elapsed, calls * (double)batch / elapsed);
    }

    /// <summary>Nearest-rank percentile, as the node peer computes it.</summary>
    private static long Percentile(long[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
