using System.Globalization;
using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Models;

namespace Portal.Bench.Infer;

/// <summary>
/// <c>infer --memory</c>: resident memory across 100 000 create-input/run/dispose cycles and 1 000 session
/// load/run/dispose cycles must grow by less than 20 MB each. Growth is measured from a settled start (after a
/// warm-up that lets the GC reach its steady allocation budget) to the settled end, with checkpoints in between
/// so a slow leak would show as a rising line.
/// </summary>
internal static class MemoryBenchmark
{
    private const double LimitMegabytes = 20;
    private const int Checkpoints = 5;

    public static int Run(InferArguments arguments)
    {
        Directory.CreateDirectory(arguments.OutFolder);
        var mlp = BenchModel.Create(ReadySpecs.FashionMlp, StandardizationMode.PerFeature, arguments.OutFolder, seed: 1);
        var cnn = BenchModel.Create(ReadySpecs.FashionCnn, StandardizationMode.PerChannel, arguments.OutFolder, seed: 2);
        var options = new InferenceOptions { IntraOpThreads = arguments.Threads, InterOpThreads = 1 };
        var source = BenchModel.RawSamples(1, mlp.FeatureCount, seed: 3);

        double runGrowth;
        using (var model = InferenceModel.Load(mlp.Onnx, options, mlp.Spec.Name))
        {
            // Each cycle creates its input tensor over a new array, runs (ONNX Runtime values created, run, disposed)
            // and drops the outputs.
            void Cycle()
            {
                var input = InferenceTensor.Create(source.ToArray(), 1, mlp.FeatureCount);
                var outputs = model.Run(new Dictionary<string, InferenceTensor> { ["input"] = input });
                if (outputs["output"].Length != 10) throw new InvalidOperationException("Unexpected output size.");
            }
            runGrowth = Measure($"run cycles (new input tensor, Run, outputs dropped) on {mlp.Spec.Name}", arguments.RunCycles, warmup: 20_000, Cycle);
        }

        var checkInput = BenchModel.RawSamples(1, cnn.FeatureCount, seed: 4);
        void LoadCycle()
        {
            using var model = InferenceModel.Load(cnn.Onnx, options, cnn.Spec.Name);
            model.Run(checkInput, 1);
        }
        var loadGrowth = Measure($"load cycles (load {cnn.Onnx.Length / 1024} KB {cnn.Spec.Name} from bytes, Run, Dispose)", arguments.LoadCycles, warmup: 50, LoadCycle);

        var ok = runGrowth < LimitMegabytes && loadGrowth < LimitMegabytes;
        Console.WriteLine(ok ? $"memory: both below the {LimitMegabytes} MB limit" : $"memory: FAILED, growth above the {LimitMegabytes} MB limit");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT infer_memory_run_growth_mb={runGrowth:F1} infer_memory_load_growth_mb={loadGrowth:F1}"));
        return ok ? 0 : 1;
    }

    private static double Measure(string what, int cycles, int warmup, Action cycle)
    {
        for (var i = 0; i < warmup; i++) cycle();
        var before = Settled();
        var line = new List<string> { $"{before.Resident:F1}" };
        for (var i = 1; i <= cycles; i++)
        {
            cycle();
            if (i % Math.Max(1, cycles / Checkpoints) == 0 && i < cycles) line.Add($"{Settled().Resident:F1}");
        }
        var after = Settled();
        line.Add($"{after.Resident:F1}");
        var growth = after.Resident - before.Resident;
        Console.WriteLine($"{what}: {cycles} cycles after {warmup} warm-up cycles; resident MB {string.Join(" → ", line)}; growth {growth:F1} MB (GC committed {before.GcCommitted:F1} → {after.GcCommitted:F1} MB)");
        return growth;
    }

    private static (double Resident, double GcCommitted) Settled()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return (long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0, committed);
        }
        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
