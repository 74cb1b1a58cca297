using System.Diagnostics;
using Portal.Engine.Data;
using Portal.Engine.Inference;

namespace Portal.Engine.Evaluation;

/// <summary>Batch-1 latency percentiles and batch-64 throughput; a figure is null when the model's fixed batch size rules that batch out.</summary>
/// <param name="LatencyRuns">Timed batch-1 runs in each round (the fewest, if a budget cut one round short).</param>
/// <param name="ThroughputRuns">Batch-64 runs in each round (the fewest).</param>
public sealed record ModelTiming(double? P50Ms, double? P95Ms, double? SamplesPerSecond, int LatencyRuns, int ThroughputRuns)
{
    /// <summary>The better of each figure (both rounds of one model have the same figures): machine noise only ever slows a round down.</summary>
    internal ModelTiming Best(ModelTiming other) => new(
        P50Ms < other.P50Ms ? P50Ms : other.P50Ms, P95Ms < other.P95Ms ? P95Ms : other.P95Ms,
        SamplesPerSecond > other.SamplesPerSecond ? SamplesPerSecond : other.SamplesPerSecond,
        Math.Min(LatencyRuns, other.LatencyRuns), Math.Min(ThroughputRuns, other.ThroughputRuns));
}

/// <summary>
/// The one way Portal times a model with ONNX Runtime (the <see cref="InferenceModel"/> fast path), for a version's
/// evidence and a compression report alike: after a warm-up, batch-1 latency as nearest-rank p50 and p95, then
/// batch-64 throughput in samples per second, in <see cref="MeasurementOptions.Rounds"/> rounds in which the models
/// alternate, each keeping its best. One meter times one set of models at a time, so two measurements never share
/// the cores and skew each other; the caller owns and disposes the models.
/// </summary>
public sealed class ModelMeter
{
    public const int ThroughputBatch = 64;

    // Inputs when no samples are given: any fixed values will do for timing; seeded so runs are comparable.
    private const int InputSeed = 20_240_601;

    private readonly SemaphoreSlim _gate = new(1, 1);

    public ModelMeter(MeasurementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public MeasurementOptions Options { get; }

    /// <summary>Up to 64 raw samples of <paramref name="data"/> to time a model on; empty (seeded values) without data.</summary>
    public static ReadOnlyMemory<float> Samples(Dataset? data) =>
        data is null ? ReadOnlyMemory<float>.Empty : data.Features[..(Math.Min(ThroughputBatch, data.Count) * data.FeatureCount)].ToArray();

    /// <summary>How the figures were taken, for a report's notes: a figure means little without its device and thread count.</summary>
    public string Describe(InferenceModel model)
    {
        var device = model.ExecutionProvider.Device == "cpu" ? "the CPU" : model.ExecutionProvider.Device.ToUpperInvariant();
        var threads = Options.IntraOpThreads is { } t
            ? $"{t} ONNX Runtime intra-op thread{(t == 1 ? "" : "s")}"
            : "ONNX Runtime's choice of intra-op threads (one per core)";
        return $"timed on {device} with {threads}, best of {Options.Rounds} alternating round{(Options.Rounds == 1 ? "" : "s")}";
    }

    /// <summary>Times the models on the same inputs, one figure set per model in their order.</summary>
    /// <param name="samples">Raw samples to feed (cycled), as callers of the model send them; empty for seeded uniform [0, 1) values.</param>
    /// <exception cref="ArgumentException">A model cannot be timed at batch 1 or 64, or the samples are not whole samples of its input.</exception>
    public async Task<IReadOnlyList<ModelTiming>> Time(IReadOnlyList<InferenceModel> models, ReadOnlyMemory<float> samples, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(models);
        var signatures = models.Select(m => Check(m, samples.Length)).ToArray();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => TimeNow(models, signatures, samples, ct), ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Times a model of any signature on synthesized inputs: latency of one run at the plan's batch-1 shapes, and
    /// throughput at batch 64 when the plan has a dynamic batch. For models the batched path cannot run (several
    /// inputs, other element types, dynamic inner dimensions).
    /// </summary>
    /// <exception cref="InferenceInputException">The synthesized inputs do not fit the model.</exception>
    /// <exception cref="InferenceRunException">ONNX Runtime failed running them.</exception>
    public async Task<ModelTiming> Time(InferenceModel model, InputPlan plan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => PlannedTiming.Measure(model, plan, Options, ct), ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Why the batched path cannot time <paramref name="model"/> on <paramref name="sampleValues"/> sample values (0 for seeded values), or null when it can.</summary>
    public static string? Unfit(InferenceModel model, int sampleValues)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Batched is not { } signature)
            return $"Model '{model.Name}' has inputs {string.Join(", ", model.Inputs)} and outputs {string.Join(", ", model.Outputs)}; " +
                "Portal measures models with one float32 input [batch, …fixed] or int64 token ids [batch, sequence], and a float32 first output [batch, …fixed].";
        if (signature.ValuesPerSample is not { } perSample)
            return $"Model '{model.Name}' takes token ids {model.Inputs[0]} of a length it does not declare (no fixed length and no Portal spec); Portal measures token models at their maximum length.";
        if (signature is BatchedTokenSignature { Vocabulary: null } && sampleValues == 0)
            return $"Model '{model.Name}' takes token ids of a vocabulary it does not declare; time it on samples of its data.";
        if (signature.FixedBatch is long fixedBatch && fixedBatch != 1 && fixedBatch != ThroughputBatch)
            return $"Model '{model.Name}' takes exactly {fixedBatch} samples per run; latency is measured at batch 1 and throughput at batch {ThroughputBatch}, " +
                $"so its batch dimension must be dynamic, 1 or {ThroughputBatch}.";
        if (sampleValues % perSample != 0)
            return $"{sampleValues} sample values are not a whole number of samples of {perSample} values for model '{model.Name}'.";
        return null;
    }

    private static BatchedSignature Check(InferenceModel model, int sampleValues)
    {
        if (Unfit(model, sampleValues) is { } reason) throw new ArgumentException(reason);
        return model.Batched!;
    }

    private ModelTiming[] TimeNow(IReadOnlyList<InferenceModel> models, BatchedSignature[] signatures, ReadOnlyMemory<float> samples, CancellationToken ct)
    {
        var inputs = signatures.Select(s => Inputs(samples.Span, s)).ToArray();
        var outputs = signatures.Select(s => new float[ThroughputBatch * s.OutputValuesPerSample]).ToArray();
        for (var m = 0; m < models.Count; m++) WarmUp(models[m], signatures[m], inputs[m], outputs[m]);
        var best = new ModelTiming?[models.Count];
        for (var round = 0; round < Options.Rounds; round++)
        {
            for (var m = 0; m < models.Count; m++)
            {
                var timing = Round(models[m], signatures[m], inputs[m], outputs[m], ct);
                best[m] = best[m] is { } known ? known.Best(timing) : timing;
            }
        }
        return [.. best.Select(b => b!)];
    }

    private void WarmUp(InferenceModel model, BatchedSignature signature, float[] inputs, float[] output)
    {
        if (signature.FixedBatch is not (null or 1)) return;
        var end = Stopwatch.GetTimestamp() + Ticks(Options.WarmUpBudget);
        for (var i = 0; i < Options.WarmUpRuns && (i == 0 || Stopwatch.GetTimestamp() < end); i++)
            model.Run(Sample(inputs, i, signature.ValuesPerSample!.Value), 1, output);
    }

    private ModelTiming Round(InferenceModel model, BatchedSignature signature, float[] inputs, float[] output, CancellationToken ct)
    {
        var perSample = signature.ValuesPerSample!.Value;
        double? p50 = null, p95 = null;
        var latencyRuns = 0;
        if (signature.FixedBatch is null or 1)
        {
            var ticks = new long[Options.LatencyRuns];
            var deadline = Stopwatch.GetTimestamp() + Ticks(Options.LatencyBudget);
            while (latencyRuns < ticks.Length)
            {
                if (latencyRuns % 64 == 0) ct.ThrowIfCancellationRequested();
                var input = Sample(inputs, latencyRuns, perSample);
                var start = Stopwatch.GetTimestamp();
                model.Run(input, 1, output);
                var end = Stopwatch.GetTimestamp();
                ticks[latencyRuns++] = end - start;
                if (end > deadline && latencyRuns >= Options.MinLatencyRuns) break;
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
            while (throughputRuns < Options.MinThroughputRuns || Stopwatch.GetElapsedTime(start) < Options.ThroughputDuration);
            throughput = (double)throughputRuns * ThroughputBatch / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new ModelTiming(p50, p95, throughput, latencyRuns, throughputRuns);
    }

    /// <summary>A batch of 64 samples: the given ones cycled, or seeded values (uniform, or token ids of the whole maximum length).</summary>
    private static float[] Inputs(ReadOnlySpan<float> samples, BatchedSignature signature)
    {
        var perSample = signature.ValuesPerSample!.Value;
        var inputs = new float[ThroughputBatch * perSample];
        if (samples.IsEmpty)
        {
            var random = new Random(InputSeed);
            for (var i = 0; i < inputs.Length; i++)
                inputs[i] = signature is BatchedTokenSignature { Vocabulary: { } vocabulary } ? random.Next(vocabulary) : random.NextSingle();
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
