using Portal.Bench.Train;

// Benchmark drivers, one command per scripts/bench/*.sh. Each prints its figures and a last RESULT line.
var commands = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["train-speed"] = TrainBenchmark.Speed,
    ["train-accuracy"] = TrainBenchmark.Accuracy,
    ["matmul"] = TrainBenchmark.Matmul,
    ["lstm-parity"] = Portal.Bench.Models.ParityBenchmark.Lstm,
    ["bow-accuracy"] = Portal.Bench.Models.TextBenchmark.BagOfWordsAccuracy,
    ["text-speed"] = Portal.Bench.Models.TransformerBenchmark.Speed,
    ["transformer-accuracy"] = Portal.Bench.Models.TransformerBenchmark.Accuracy,
    ["attention-parity"] = Portal.Bench.Models.TransformerBenchmark.Parity,
    ["infer"] = Portal.Bench.Infer.InferBenchmark.RunAsync,
    ["compress"] = Portal.Bench.Compress.CompressBenchmark.Run,
    ["int8-transformer"] = Portal.Bench.Compress.TransformerInt8Benchmark.Run,
    ["machine"] = _ =>
    {
        // scripts/lib.sh's bench_machine: the header every benchmark prints, and the token its RESULT line ends with.
        var cpu = Portal.Engine.Platform.CpuFeatures.Current;
        Console.WriteLine($"MACHINE {cpu.Describe()}; int8 kernel path {Portal.Engine.Platform.Int8KernelPath.For(cpu)}");
        Console.WriteLine($"CPU_TOKEN {cpu.Token()}");
        return Task.FromResult(0);
    },
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"usage: Portal.Bench <{string.Join('|', commands.Keys)}> [options]");
    return 2;
}
return await command(args[1..]);
