using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Compression;

/// <summary>
/// Measures ONNX files with ONNX Runtime on the CPU: test accuracy, batch-1 latency percentiles and batch-64
/// throughput (parent and child alternately, best round each), file sizes raw and gzip-compressed.
/// </summary>
internal static class ModelMeasurement
{
    private const int AccuracyBatch = 500;
    private const int ThroughputBatch = 64;

    public sealed record Timing(double P50Ms, double P95Ms, double Throughput);

    public static InferenceOptions Options(MeasurementOptions m) => new() { PreferCuda = false, IntraOpThreads = m.IntraOpThreads };

    /// <summary>How the timings were taken, for the report's notes: a figure means little without its thread count.</summary>
    public static string Describe(MeasurementOptions m) =>
        $"timed on the CPU with {(m.IntraOpThreads is { } t ? $"{t} ONNX Runtime intra-op thread{(t == 1 ? "" : "s")}" : "ONNX Runtime's choice of intra-op threads (one per core)")}, " +
        $"best of {m.Rounds} alternating round{(m.Rounds == 1 ? "" : "s")}";

    public static double Accuracy(byte[] onnx, Dataset test, MeasurementOptions options, CancellationToken cancellationToken)
    {
        using var model = InferenceModel.Load(onnx, Options(options), "accuracy");
        var classes = model.BatchedFloat!.OutputValuesPerSample;
        var labels = test.Labels;
        var correct = 0;
        for (var start = 0; start < test.Count; start += AccuracyBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var size = Math.Min(AccuracyBatch, test.Count - start);
            var output = model.Run(test.Features.Slice(start * test.FeatureCount, size * test.FeatureCount), size);
            for (var i = 0; i < size; i++)
            {
                var row = output.AsSpan((int)(i * classes), (int)classes);
                var best = 0;
                for (var c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
                if (best == labels[start + i]) correct++;
            }
        }
        return (double)correct / test.Count;
    }

    /// <summary>Both files timed on real test samples in alternating rounds; each keeps its best round.</summary>
    public static (Timing Parent, Timing Child) CompareTiming(byte[] parent, byte[] child, Dataset test, MeasurementOptions options, CancellationToken cancellationToken)
    {
        using var parentModel = InferenceModel.Load(parent, Options(options), "parent");
        using var childModel = InferenceModel.Load(child, Options(options), "compressed");
        var batch = BatchOf(test, ThroughputBatch);
        Timing? bestParent = null, bestChild = null;
        for (var round = 0; round < options.Rounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bestParent = Best(bestParent, Time(parentModel, batch, test.FeatureCount, options));
            bestChild = Best(bestChild, Time(childModel, batch, test.FeatureCount, options));
        }
        return (bestParent!, bestChild!);
    }

    public static long GzipBytes(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return buffer.Length;
    }

    /// <summary>Trainable parameters that are not zero (batch-norm running statistics are not parameters).</summary>
    public static long NonZeroParameters(TrainedModel model) =>
        model.Weights.Tensors.Where(t => !t.Name.EndsWith(".running_mean", StringComparison.Ordinal) && !t.Name.EndsWith(".running_var", StringComparison.Ordinal))
            .Sum(t => (long)t.Data.Count(v => v != 0));

    /// <summary>
    /// Operator types of the graph ONNX Runtime actually runs on this CPU after all its optimisations (QDQ fusion, the
    /// channels-last layout of int8 convolutions and pooling, the blocked layout of float ones, the transposes left).
    /// </summary>
    public static IReadOnlyDictionary<string, int> RuntimeOperators(byte[] onnx)
    {
        var path = Path.Combine(Path.GetTempPath(), $"portal-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            // Level ALL, as the measurements run; saving such a graph makes ONNX Runtime warn that it suits this machine only.
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                OptimizedModelFilePath = path,
                IntraOpNumThreads = 1,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            using (new InferenceSession(onnx, options))
            {
            }
            var model = OnnxInspector.Parse(File.ReadAllBytes(path), "the optimised model");
            return model.Graph.Node.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Timing Best(Timing? a, Timing b) => a is null ? b : new(Math.Min(a.P50Ms, b.P50Ms), Math.Min(a.P95Ms, b.P95Ms), Math.Max(a.Throughput, b.Throughput));

    private static Timing Time(InferenceModel model, float[] batch, int features, MeasurementOptions options)
    {
        var outputs = new float[ThroughputBatch * model.BatchedFloat!.OutputValuesPerSample];
        var one = batch.AsSpan(0, features);
        for (var i = 0; i < options.LatencyCalls; i++) model.Run(one, 1, outputs);
        var ticks = new long[options.LatencyCalls];
        for (var i = 0; i < ticks.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            model.Run(one, 1, outputs);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
        var latency = LatencySummary.FromStopwatchTicks(ticks);

        for (var i = 0; i < 3; i++) model.Run(batch, ThroughputBatch, outputs);
        var budget = (long)(options.ThroughputSeconds * Stopwatch.Frequency);
        var begin = Stopwatch.GetTimestamp();
        var calls = 0;
        while (Stopwatch.GetTimestamp() - begin < budget)
        {
            model.Run(batch, ThroughputBatch, outputs);
            calls++;
        }
        var throughput = calls * (double)ThroughputBatch / Stopwatch.GetElapsedTime(begin).TotalSeconds;
        return new Timing(latency.P50Ms, latency.P95Ms, throughput);
    }

    /// <summary>The first <paramref name="size"/> test samples (repeated if the set is smaller), raw as callers send them.</summary>
    private static float[] BatchOf(Dataset test, int size)
    {
        if (test.Count == 0) throw new ArgumentException($"Dataset '{test.Name}' has no samples to time the models on.");
        var batch = new float[size * test.FeatureCount];
        for (var i = 0; i < size; i++) test.Sample(i % test.Count).CopyTo(batch.AsSpan(i * test.FeatureCount));
        return batch;
    }
}
