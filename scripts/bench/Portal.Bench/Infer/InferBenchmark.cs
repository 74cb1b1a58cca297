using System.Globalization;
using System.Runtime.InteropServices;
using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Bench.Infer;

/// <summary>
/// <c>infer</c>: exports fashion-mlp and fashion-cnn, checks the files with onnx.checker, times the same files
/// in-process through Portal.Engine and in onnxruntime-node with the same thread counts, measures parity with
/// TorchSharp, and prints the RESULT line last. The machine is shared, so the two sides are interleaved: batch-1
/// rounds alternate (best p50 of each side kept) and batched throughput alternates in short slices whose paired
/// engine/node ratios give the median reported.
/// </summary>
internal static class InferBenchmark
{
    private const int CheckSamples = 8;
    private const int ParitySamples = 256;

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = InferArguments.Parse(args);
        if (arguments.Memory) return MemoryBenchmark.Run(arguments);

        Directory.CreateDirectory(arguments.OutFolder);
        var b = arguments.Batch;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, shared. Both sides: same file, inter-op threads 1, sequential execution, all graph optimisations, CPU,");
        Console.WriteLine($"  batch 1 with {arguments.Threads} intra-op thread(s); batch {b} with {string.Join(" and ", arguments.BatchThreads)} intra-op thread(s)");
        Console.WriteLine($"engine: Microsoft.ML.OnnxRuntime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}; {InferenceModel.DescribeExecutionProvider().Reason}");

        BenchModel[] models =
        [
            BenchModel.Create(ReadySpecs.FashionMlp, StandardizationMode.PerFeature, arguments.OutFolder, seed: 1),
            BenchModel.Create(ReadySpecs.FashionCnn, StandardizationMode.PerChannel, arguments.OutFolder, seed: 2),
        ];
        foreach (var m in models)
        {
            var info = OnnxInspector.Read(m.Onnx);
            Console.WriteLine($"exported {m.Path}: {m.Onnx.Length / 1024} KB, IR {info.IrVersion}, opset {info.Opset}, {info.NodeCount} nodes ({string.Join(' ', info.OperatorTypes)}), standardisation {info.Metadata[OnnxMetadataKeys.StandardizationPlacement]}, input {info.Inputs[0]}, output {info.Outputs[0]}");
        }
        Console.WriteLine(await OnnxChecker.CheckAsync(models.Select(m => m.Path)));

        var figures = new Dictionary<BenchModel, ModelFigures>();
        foreach (var m in models) figures[m] = await MeasureAsync(m, arguments);

        // Parity last, so TorchSharp's threads never run while the timings are taken.
        var parityMax = 0f;
        foreach (var m in models)
        {
            var f = figures[m];
            var parity = OnnxParityCheck.Measure(m.Spec, m.Weights, m.Onnx, f.Samples, m.Standardization);
            var nodeVsTorch = MaxAbs(f.NodeCheckOutputs, parity.ReferenceOutputs.AsSpan(0, CheckSamples * m.OutputCount));
            var nodeVsEngine = MaxAbs(f.NodeCheckOutputs, f.EngineCheckOutputs);
            Console.WriteLine($"parity {m.Spec.Name}: engine (ORT) vs TorchSharp max |Δ| {parity.MaxAbsDifference:G3} over {parity.Samples} samples; node vs TorchSharp {nodeVsTorch:G3}, node vs engine {nodeVsEngine:G3} over {CheckSamples}");
            parityMax = Max(parityMax, Max(parity.MaxAbsDifference, Max(nodeVsTorch, nodeVsEngine)));
        }

        Console.WriteLine();
        var header = string.Concat(arguments.BatchThreads.Select(t => $"{$"b{b}/s {t}t",13}"));
        Console.WriteLine($"{"model",-12} {"side",-27} {"b1 p50 µs",10} {"b1 p99 µs",10}{header}");
        foreach (var m in models)
        {
            var f = figures[m];
            Console.WriteLine($"{m.Spec.Name,-12} {"Portal.Engine (ORT 1.31.1)",-27} {f.EngineLatency.P50Micros,10:F1} {f.EngineLatency.P99Micros,10:F1}{string.Concat(arguments.BatchThreads.Select(t => $"{f.Batched[t].EngineMedian,13:F0}"))}");
            Console.WriteLine($"{"",-12} {f.NodeRuntime,-27} {f.NodeLatency.P50Micros,10:F1} {f.NodeLatency.P99Micros,10:F1}{string.Concat(arguments.BatchThreads.Select(t => $"{f.Batched[t].NodeMedian,13:F0}"))}");
            Console.WriteLine($"{"",-12} {"ratio",-27} {f.NodeLatency.P50Micros / f.EngineLatency.P50Micros,10:F2} {"",10}{string.Concat(arguments.BatchThreads.Select(t => $"{f.Batched[t].MedianRatio,13:F2}"))}");
        }
        Console.WriteLine($"b1: best p50 of {arguments.Rounds} alternating rounds of {arguments.Calls} calls (after {arguments.Warmup} warm-up calls) per side; b{b}: medians over {arguments.Slices} alternating {arguments.Seconds} s slices per side, ratio = median of the paired slice ratios");

        var mlp = figures[models[0]];
        var cnn = figures[models[1]];
        var ratioB1 = mlp.NodeLatency.P50Micros / mlp.EngineLatency.P50Micros;
        var (ratioB64, mlpThreads) = PeersBest(mlp);
        var (ratioB64Cnn, cnnThreads) = PeersBest(cnn);
        Console.WriteLine($"batched ratios are taken at the thread count where node is fastest (the peer's best): MLP {mlpThreads}, CNN {cnnThreads}");
        Console.WriteLine($"targets: infer_ratio_b1 ≥ 1.5 {Verdict(ratioB1 >= 1.5)}, infer_ratio_b64 ≥ 1.1 {Verdict(ratioB64 >= 1.1)}, infer_ratio_b64_cnn ≥ 1.0 {Verdict(ratioB64Cnn >= 1.0)}, parity_max_abs ≤ 1e-4 {Verdict(parityMax <= 1e-4f)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT infer_ratio_b1={ratioB1:F2} infer_ratio_b64={ratioB64:F2} infer_ratio_b64_cnn={ratioB64Cnn:F2} parity_max_abs={parityMax:G3}"));
        return parityMax <= 1e-4f ? 0 : 1;
    }

    private static async Task<ModelFigures> MeasureAsync(BenchModel m, InferArguments arguments)
    {
        var samples = BenchModel.RawSamples(ParitySamples, m.FeatureCount, seed: 7);
        var checkSamples = samples[..(CheckSamples * m.FeatureCount)];
        var checkFile = Path.Combine(arguments.OutFolder, $"{m.Spec.Name}.check.bin");
        File.WriteAllBytes(checkFile, MemoryMarshal.AsBytes(checkSamples.AsSpan()).ToArray());

        LatencyFigures? engineLatency = null, nodeLatency = null;
        float[] engineCheck, nodeCheck;
        string runtime;
        using (var engine = InferenceModel.Load(m.Path, Options(arguments.Threads)))
        await using (var node = await NodePeer.StartAsync(arguments.PeersFolder, m, arguments.Threads, arguments.Batch))
        {
            runtime = node.Runtime;
            for (var round = 1; round <= arguments.Rounds; round++)
            {
                var e = EngineTimings.BatchOne(engine, m.FeatureCount, m.OutputCount, arguments.Warmup, arguments.Calls);
                var n = await node.BatchOneAsync(arguments.Calls, arguments.Warmup);
                Console.WriteLine($"{m.Spec.Name} b1 round {round} ({arguments.Threads} thread): engine p50 {e.P50Micros:F1} µs p99 {e.P99Micros:F1} µs; node p50 {n.P50Micros:F1} µs p99 {n.P99Micros:F1} µs");
                if (engineLatency is null || e.P50Micros < engineLatency.P50Micros) engineLatency = e;
                if (nodeLatency is null || n.P50Micros < nodeLatency.P50Micros) nodeLatency = n;
            }
            engineCheck = engine.Run(checkSamples, CheckSamples);
            nodeCheck = await node.OutputsAsync(checkFile);
        }

        var batched = new Dictionary<int, BatchedFigures>();
        foreach (var threads in arguments.BatchThreads)
        {
            var engineRates = new List<double>();
            var nodeRates = new List<double>();
            using var engine = InferenceModel.Load(m.Path, Options(threads));
            await using var node = await NodePeer.StartAsync(arguments.PeersFolder, m, threads, arguments.Batch);
            for (var slice = 0; slice < arguments.Slices; slice++)
            {
                engineRates.Add(EngineTimings.Batched(engine, m.FeatureCount, m.OutputCount, arguments.Batch, arguments.Seconds).SamplesPerSecond);
                nodeRates.Add((await node.BatchedAsync(arguments.Seconds)).SamplesPerSecond);
            }
            batched[threads] = new BatchedFigures(Median(engineRates), Median(nodeRates), Median(engineRates.Zip(nodeRates, (e, n) => e / n)));
            Console.WriteLine($"{m.Spec.Name} b{arguments.Batch} ({threads} thread(s)), samples/s per slice: engine {string.Join(' ', engineRates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}; node {string.Join(' ', nodeRates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}");
        }
        return new ModelFigures(samples, engineLatency!, nodeLatency!, runtime, batched, engineCheck, nodeCheck);
    }

    private static InferenceOptions Options(int threads) =>
        new() { IntraOpThreads = threads, InterOpThreads = 1, Optimization = GraphOptimization.All };

    private static (double Ratio, int Threads) PeersBest(ModelFigures f)
    {
        var (threads, figures) = f.Batched.MaxBy(p => p.Value.NodeMedian);
        return (figures.MedianRatio, threads);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static float Max(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.PositiveInfinity : MathF.Max(a, b);

    private static float MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return float.PositiveInfinity;
        var max = 0f;
        for (var i = 0; i < a.Length; i++) max = Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    private sealed record BatchedFigures(double EngineMedian, double NodeMedian, double MedianRatio);

    private sealed record ModelFigures(
        float[] Samples,
        LatencyFigures EngineLatency,
        LatencyFigures NodeLatency,
        string NodeRuntime,
        IReadOnlyDictionary<int, BatchedFigures> Batched,
        float[] EngineCheckOutputs,
        float[] NodeCheckOutputs);
}
