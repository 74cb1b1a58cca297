using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Bench.Infer;

/// <summary>
/// onnxruntime-node on the same file and thread count, as a long-lived child process answering one command at a
/// time, so its measurements can be interleaved with the engine's in short slices.
/// </summary>
internal sealed class NodePeer : IAsyncDisposable
{
    private readonly Process _process;

    private NodePeer(Process process, string runtime)
    {
        _process = process;
        Runtime = runtime;
    }

    public string Runtime { get; }

    public static async Task<NodePeer> StartAsync(string peersFolder, BenchModel model, int threads, int batch)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
            WorkingDirectory = Path.GetFullPath(peersFolder),
        };
        foreach (var argument in new[]
        {
            Path.GetFullPath(Path.Combine(peersFolder, "onnxruntime-node-infer.mjs")),
            "--model", Path.GetFullPath(model.Path),
            "--features", model.FeatureCount.ToString(CultureInfo.InvariantCulture),
            "--sample-shape", string.Join(',', model.Spec.InputShape),
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--batch", batch.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var ready = await ReadAsync<Ready>(process);
        return new NodePeer(process, ready.Runtime);
    }

    public async Task<LatencyFigures> BatchOneAsync(int calls, int warmup)
    {
        var answer = await AskAsync<Latency>($"b1 {calls} {warmup}");
        return new LatencyFigures(answer.Calls, answer.P50, answer.P99);
    }

    public async Task<ThroughputFigures> BatchedAsync(double seconds)
    {
        var answer = await AskAsync<Throughput>(string.Create(CultureInfo.InvariantCulture, $"batched {seconds}"));
        return new ThroughputFigures(answer.Calls, answer.Seconds, answer.SamplesPerSecond);
    }

    public async Task<float[]> OutputsAsync(string samplesFile) =>
        (await AskAsync<Outputs>($"check {Path.GetFullPath(samplesFile)}")).Values;

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task<T> AskAsync<T>(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadAsync<T>(_process);
    }

    private static async Task<T> ReadAsync<T>(Process process)
    {
        var line = await process.StandardOutput.ReadLineAsync()
            ?? throw new InvalidOperationException($"The node peer exited (code {(process.HasExited ? process.ExitCode : -1)}); see its error output above.");
        if (line.Contains("\"error\"", StringComparison.Ordinal)) throw new InvalidOperationException($"The node peer answered: {line}");
        return JsonSerializer.Deserialize<T>(line) ?? throw new InvalidOperationException($"The node peer printed '{line}'.");
    }

    private sealed record Ready([property: JsonPropertyName("runtime")] string Runtime);

    private sealed record Latency(
        [property: JsonPropertyName("calls")] int Calls,
        [property: JsonPropertyName("p50_us")] double P50,
        [property: JsonPropertyName("p99_us")] double P99);

    private sealed record Throughput(
        [property: JsonPropertyName("calls")] int Calls,
        [property: JsonPropertyName("seconds")] double Seconds,
        [property: JsonPropertyName("samples_per_s")] double SamplesPerSecond);

    private sealed record Outputs([property: JsonPropertyName("outputs")] float[] Values);
}
