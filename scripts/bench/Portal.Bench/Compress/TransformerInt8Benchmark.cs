using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;

namespace Portal.Bench.Compress;

/// <summary>
/// int8-transformer [--rounds R] [--seconds S] [--teacher-cache DIR] [--profile N]: text-transformer trained on its ready recipe
/// (seed 1) on the fortunes split, tokenised by its training split's <see cref="WordTokenizer"/>, then compressed by a
/// <see cref="QuantizationRecipe"/> with its defaults (a token model gets dynamic activations; tolerance 1 point).
/// Parent and child are timed by one <see cref="ModelMeter"/> on one intra-op thread, as the portal serves, in R
/// rounds (7 by default) in which they alternate and each keeps its best. Prints the report, FIGURE lines and a RESULT
/// line; the ONNX files go to scripts/bench/out/int8-transformer. With --profile N, ONNX Runtime's profiler then runs
/// each file N times at batch 1 on one thread and the time per run is printed by operator type, then by node.
/// </summary>
internal static class TransformerInt8Benchmark
{
    private const string OutputFolder = "scripts/bench/out/int8-transformer";
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static async Task<int> Run(string[] args)
    {
        var options = new BenchOptions(args);
        var runtime = NativeRuntime.EnsureStarted();
        Console.WriteLine($"MACHINE {CpuFeatures.Current.Describe()}; int8 kernel path {Int8KernelPath.For(CpuFeatures.Current)}; training threads {runtime.IntraOpThreads}");
        var spec = ReadySpecs.TextTransformer;
        var (trainTexts, testTexts) = FortunesCorpus.LoadSplit();
        var tokenizer = WordTokenizer.Build(trainTexts);
        var (train, test) = (TextEncoding.ForSpec(trainTexts, tokenizer, spec), TextEncoding.ForSpec(testTexts, tokenizer, spec));
        Console.WriteLine($"fortunes: {train.Count} training and {test.Count} test texts, {spec.InputShape[0]} ids each");

        var teacherOptions = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.Text("teacher-cache") is { } cache) teacherOptions["teacher-cache"] = cache;
        var parent = await CompressBenchmark.Teacher(teacherOptions, spec, train, test, epochs: 0);

        var meter = new ModelMeter(new MeasurementOptions
        {
            ThroughputDuration = TimeSpan.FromSeconds(options.Number("seconds", 1.0)),
            Rounds = options.Integer("rounds", 7),
            IntraOpThreads = 1,
        });
        var recipe = new QuantizationRecipe();
        Console.WriteLine($"== int8, {recipe.ActivationsFor(spec)} activations, tolerance {recipe.TolerancePoints.ToString(s_invariant)} point");
        CompressionResult? result = null;
        await foreach (var e in new Compressor().Compress(new CompressionRequest(parent, recipe, train, test) { Meter = meter }))
        {
            if (e is CompressionStageStarted s) Console.WriteLine($"  [{s.Stage}] {s.Detail}");
            if (e is CompressionCompleted done) result = done.Result;
        }
        var report = result!.Report;
        Print(report);
        Directory.CreateDirectory(OutputFolder);
        File.WriteAllBytes(Path.Combine(OutputFolder, "parent.onnx"), OnnxExporter.Export(parent.Spec, parent.Weights, new OnnxExportOptions { ClassLabels = parent.ClassNames }));
        File.WriteAllBytes(Path.Combine(OutputFolder, "int8.onnx"), result.Onnx);

        var speedupB1 = report.Parent.LatencyP50Ms / report.Compressed.LatencyP50Ms;
        Figure("int8_transformer_speedup_b1", speedupB1);
        Figure("int8_transformer_acc_drop", -report.AccuracyChangePoints);
        Figure("int8_transformer_speedup_b64", report.ThroughputRatio);
        Figure("int8_transformer_size_ratio", report.SizeRatio);
        if (options.Integer("profile", 0) is > 0 and var runs)
        {
            var parentOnnx = OnnxExporter.Export(parent.Spec, parent.Weights, new OnnxExportOptions { ClassLabels = parent.ClassNames });
            var sample = test.Features[..spec.InputShape[0]].ToArray().Select(v => (long)v).ToArray();
            foreach (var (name, onnx) in new[] { ("parent", parentOnnx), ("int8", result.Onnx) }) Profile(name, onnx, sample, runs);
        }
        Console.WriteLine(Invariant($"RESULT int8_transformer_speedup_b1={speedupB1:F3} int8_transformer_acc_drop={-report.AccuracyChangePoints:F2} int8_transformer_speedup_b64={report.ThroughputRatio:F3} int8_transformer_size_ratio={report.SizeRatio:F3} int8_form={report.Quantization!.Form} cpu={CpuFeatures.Current.Token()}"));
        return 0;
    }

    private static void Print(CompressionReport r)
    {
        static string Figures(ModelFigures f) => Invariant(
            $"onnx {f.OnnxBytes} B (gzip {f.OnnxGzipBytes} B) acc {f.TestAccuracy:P2} b1 p50 {f.LatencyP50Ms * 1000:F0} µs p95 {f.LatencyP95Ms * 1000:F0} µs b64 {f.ThroughputBatch64:F0} samples/s");
        Console.WriteLine($"  parent: {Figures(r.Parent)}");
        Console.WriteLine($"  int8:   {Figures(r.Compressed)}");
        foreach (var note in r.Notes) Console.WriteLine($"  note: {note}");
        if (r.Quantization is not { } q) return;
        Console.WriteLine(Invariant($"  int8 weights [{string.Join(", ", q.QuantizedWeights ?? [])}], fully quantized accuracy {q.FullyQuantizedAccuracy:P2}, met tolerance: {q.MetTolerance}"));
        foreach (var f in q.Float32Layers) Console.WriteLine($"  float32: {f.Weight ?? $"layer {f.LayerIndex}"}: {f.Reason}");
        Console.WriteLine($"  ONNX Runtime runs: {string.Join(", ", q.RuntimeOperators.Select(p => $"{p.Key}×{p.Value}"))}");
    }

    /// <summary>Kernel time per batch-1 run, by operator type and by node, from ONNX Runtime's own profiler (its "Node" events).</summary>
    private static void Profile(string name, byte[] onnx, long[] tokens, int runs)
    {
        // The prefix is handed to ONNX Runtime when profiling is switched on, so it is set first.
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ProfileOutputPathPrefix = Path.Combine(Path.GetFullPath(OutputFolder), name),
        };
        options.EnableProfiling = true;
        using var session = new InferenceSession(onnx, options);
        using var input = OrtValue.CreateTensorValueFromMemory(tokens, [1, tokens.Length]);
        using var run = new RunOptions();
        var total = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            using var outputs = session.Run(run, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
        }
        var wall = total.Elapsed.TotalMicroseconds / runs;
        var file = session.EndProfiling();
        using var trace = JsonDocument.Parse(File.ReadAllText(file));
        var nodes = trace.RootElement.EnumerateArray()
            .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
            .Select(e => (Node: e.GetProperty("name").GetString()![..^"_kernel_time".Length], Op: e.GetProperty("args").GetProperty("op_name").GetString()!, Micros: e.GetProperty("dur").GetDouble()))
            .ToList();
        Console.WriteLine(Invariant($"== profile {name}: {runs} runs, {wall:F1} µs per run by the clock, {nodes.Sum(n => n.Micros) / runs:F1} µs in kernels"));
        foreach (var op in nodes.GroupBy(n => n.Op).OrderByDescending(g => g.Sum(n => n.Micros)))
            Console.WriteLine(Invariant($"  {op.Key,-24} {op.Sum(n => n.Micros) / runs,8:F1} µs  ({op.Count() / runs} nodes)"));
        foreach (var node in nodes.GroupBy(n => n.Node).OrderByDescending(g => g.Sum(n => n.Micros)).Take(15))
            Console.WriteLine(Invariant($"    {node.Key,-60} {node.Sum(n => n.Micros) / runs,8:F1} µs"));
    }

    private static void Figure(string key, double value) => Console.WriteLine(Invariant($"FIGURE {key}={value:0.###}"));

    private static string Invariant(FormattableString text) => text.ToString(s_invariant);
}
