using System.Globalization;

namespace Portal.Bench.Infer;

/// <summary>
/// Options of the <c>infer</c> command: <c>--out DIR --peers DIR --threads N --batch-threads 1,2 --calls N --warmup N
/// --rounds N --batch N --slices N --seconds S</c>, or <c>--memory [--run-cycles N] [--load-cycles N]</c>. Batch-1 latency runs <c>--rounds</c> times per side with
/// <c>--threads</c> intra-op threads; batched throughput runs <c>--slices</c> alternating slices of <c>--seconds</c>
/// per side with each of <c>--batch-threads</c>.
/// </summary>
internal sealed record InferArguments
{
    public string OutFolder { get; init; } = Path.Combine("scripts", "bench", "out", "infer");
    public string PeersFolder { get; init; } = Path.Combine("scripts", "bench", "peers");
    public int Threads { get; init; } = 1;
    public IReadOnlyList<int> BatchThreads { get; init; } = [.. new[] { 1, Environment.ProcessorCount }.Distinct()];
    public int Calls { get; init; } = 20_000;
    public int Warmup { get; init; } = 2_000;
    public double Seconds { get; init; } = 0.5;
    public int Slices { get; init; } = 8;
    public int Rounds { get; init; } = 3;
    public int Batch { get; init; } = 64;
    public bool Memory { get; init; }
    public int RunCycles { get; init; } = 100_000;
    public int LoadCycles { get; init; } = 1_000;

    public static InferArguments Parse(string[] args)
    {
        var parsed = new InferArguments();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            parsed = args[i] switch
            {
                "--out" => parsed with { OutFolder = Value() },
                "--peers" => parsed with { PeersFolder = Value() },
                "--threads" => parsed with { Threads = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--batch-threads" => parsed with { BatchThreads = [.. Value().Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).Distinct()] },
                "--calls" => parsed with { Calls = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--warmup" => parsed with { Warmup = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--seconds" => parsed with { Seconds = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--slices" => parsed with { Slices = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--rounds" => parsed with { Rounds = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--batch" => parsed with { Batch = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--memory" => parsed with { Memory = true },
                "--run-cycles" => parsed with { RunCycles = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--load-cycles" => parsed with { LoadCycles = int.Parse(Value(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        if (parsed.Threads <= 0 || parsed.BatchThreads.Count == 0 || parsed.BatchThreads.Any(t => t <= 0) || parsed.Calls < 1 || parsed.Rounds < 1 || parsed.Slices < 1 || parsed.Seconds <= 0 || parsed.Batch < 1)
            throw new ArgumentException("threads, batch threads, calls, rounds, slices, seconds and batch must be positive.");
        return parsed;
    }
}
