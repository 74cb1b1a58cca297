using System.Diagnostics;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;

namespace Portal.Server.Registry;

/// <summary>How long the measurement of one version may take; the defaults keep a registration to a few seconds.</summary>
public sealed record EvidenceMeterOptions
{
    /// <summary>Batch-1 runs before timing starts (at most <see cref="WarmUpBudget"/>): the first runs allocate and page in.</summary>
    public int WarmUpRuns { get; init; } = 50;

    public TimeSpan WarmUpBudget { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Timed batch-1 runs: 2 000 give a p95 from the 1 900th value, stable to a few percent on a quiet machine.</summary>
    public int LatencyRuns { get; init; } = 2000;

    /// <summary>Batch-1 timing stops early after this long (a slow model still gets <see cref="MinLatencyRuns"/>).</summary>
    public TimeSpan LatencyBudget { get; init; } = TimeSpan.FromSeconds(5);

    public int MinLatencyRuns { get; init; } = 10;

    /// <summary>Batch-64 runs repeat for at least this long and at least <see cref="MinThroughputRuns"/> times.</summary>
    public TimeSpan ThroughputDuration { get; init; } = TimeSpan.FromSeconds(1);

    public int MinThroughputRuns { get; init; } = 3;
}

/// <summary>Batch-1 latency percentiles and batch-64 throughput; a figure is null when the model's fixed batch size rules that batch out.</summary>
public sealed record LatencyEvidence(double? P50Ms, double? P95Ms, double? SamplesPerSecond, int LatencyRuns, int ThroughputRuns);

/// <summary>
/// Measures the serving evidence of a version in-process with ONNX Runtime (the engine's <see cref="InferenceModel"/>
/// fast path): batch-1 latency as nearest-rank p50 and p95 over up to 2 000 timed runs after a warm-up, and batch-64
/// throughput in samples per second over at least one second. Measurements run one at a time, so two registrations
/// never share the cores and skew each other; the caller owns and disposes the model.
/// </summary>
public sealed class EvidenceMeter(EvidenceMeterOptions options)
{
    public const int ThroughputBatch = 64;

    // Inputs when no dataset is given: any fixed values will do for timing; seeded so runs are comparable.
    private const int InputSeed = 20_240_601;

    private readonly SemaphoreSlim _gate = new(1, 1);

    public EvidenceMeterOptions Options => options;

    /// <param name="samples">Raw samples to feed (cycled), as callers of the model send them; empty for seeded uniform [0, 1) values.</param>
    public async Task<LatencyEvidence> Measure(InferenceModel model, ReadOnlyMemory<float> samples, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        var signature = model.BatchedFloat ?? throw new ArgumentException(
            $"Model '{model.Name}' has inputs {string.Join(", ", model.Inputs)} and outputs {string.Join(", ", model.Outputs)}; " +
            "the registry measures models with one float32 input [batch, …fixed] and a float32 first output [batch, …fixed].");
        if (signature.FixedBatch is long fixedBatch && fixedBatch != 1 && fixedBatch != ThroughputBatch)
            throw new ArgumentException(
                $"Model '{model.Name}' takes exactly {fixedBatch} samples per run; latency is measured at batch 1 and throughput at batch {ThroughputBatch}, " +
                $"so its batch dimension must be dynamic, 1 or {ThroughputBatch}.");
        if (samples.Length % signature.InputValuesPerSample != 0)
            throw new ArgumentException($"{samples.Length} sample values are not a whole number of samples of {signature.InputValuesPerSample} values for model '{model.Name}'.");

        await _gate.WaitAsync(ct);
        try
        {
            return await Task.Run(() => MeasureNow(model, signature, samples, ct), ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private LatencyEvidence MeasureNow(InferenceModel model, BatchedFloatSignature signature, ReadOnlyMemory<float> samples, CancellationToken ct)
    {
        var perSample = signature.InputValuesPerSample;
        var inputs = Inputs(samples.Span, perSample);
        var output = new float[ThroughputBatch * signature.OutputValuesPerSample];

        double? p50 = null, p95 = null;
        var latencyRuns = 0;
        if (signature.FixedBatch is null or 1)
        {
            var warmUpEnd = Stopwatch.GetTimestamp() + Ticks(options.WarmUpBudget);
            for (var i = 0; i < options.WarmUpRuns && (i == 0 || Stopwatch.GetTimestamp() < warmUpEnd); i++)
                model.Run(Sample(inputs, i, perSample), 1, output);

            var ticks = new long[Math.Max(1, options.LatencyRuns)];
            var deadline = Stopwatch.GetTimestamp() + Ticks(options.LatencyBudget);
            while (latencyRuns < ticks.Length)
            {
                if (latencyRuns % 64 == 0) ct.ThrowIfCancellationRequested();
                var input = Sample(inputs, latencyRuns, perSample);
                var start = Stopwatch.GetTimestamp();
                model.Run(input, 1, output);
                var end = Stopwatch.GetTimestamp();
                ticks[latencyRuns++] = end - start;
                if (end > deadline && latencyRuns >= options.MinLatencyRuns) break;
            }
            var summary = LatencySummary.FromStopwatchTicks(ticks.AsSpan(0, latencyRuns));
            (p50, p95) = (summary.P50Ms, summary.P95Ms);
        }

        double? throughput = null;
        var throughputRuns = 0;
        if (signature.FixedBatch is null or ThroughputBatch)
        {
            model.Run(inputs, ThroughputBatch, output);
            var start = Stopwatch.GetTimestamp();
            do
            {
                ct.ThrowIfCancellationRequested();
                model.Run(inputs, ThroughputBatch, output);
                throughputRuns++;
            }
            while (throughputRuns < options.MinThroughputRuns || Stopwatch.GetElapsedTime(start) < options.ThroughputDuration);
            throughput = (double)throughputRuns * ThroughputBatch / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new LatencyEvidence(p50, p95, throughput, latencyRuns, throughputRuns);
    }

    /// <summary>A batch of 64 samples: the given ones cycled, or seeded uniform values.</summary>
    private static float[] Inputs(ReadOnlySpan<float> samples, int perSample)
    {
        var inputs = new float[ThroughputBatch * perSample];
        if (samples.IsEmpty)
        {
            var random = new Random(InputSeed);
            for (var i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle();
            return inputs;
        }
        var available = samples.Length / perSample;
        for (var s = 0; s < ThroughputBatch; s++)
            samples.Slice(s % available * perSample, perSample).CopyTo(inputs.AsSpan(s * perSample, perSample));
        return inputs;
    }

    private static ReadOnlySpan<float> Sample(float[] inputs, int run, int perSample) =>
        inputs.AsSpan(run % ThroughputBatch * perSample, perSample);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
