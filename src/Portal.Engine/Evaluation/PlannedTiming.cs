using System.Diagnostics;
using Portal.Engine.Inference;

namespace Portal.Engine.Evaluation;

/// <summary>
/// <see cref="ModelMeter"/>'s timing of a model of any signature on the inputs of an <see cref="InputPlan"/>, run by
/// name through <see cref="InferenceModel.Run(IReadOnlyDictionary{string, InferenceTensor})"/>: the same warm-up,
/// rounds, budgets and figures as the batched path.
/// </summary>
internal static class PlannedTiming
{
    public static ModelTiming Measure(InferenceModel model, InputPlan plan, MeasurementOptions options, CancellationToken ct)
    {
        var single = plan.Tensors(1);
        var batch = plan.NoThroughput is null ? plan.Tensors(ModelMeter.ThroughputBatch) : null;
        var warmUpEnd = Stopwatch.GetTimestamp() + Ticks(options.WarmUpBudget);
        for (var i = 0; i < options.WarmUpRuns && (i == 0 || Stopwatch.GetTimestamp() < warmUpEnd); i++) model.Run(single);
        ModelTiming? best = null;
        for (var round = 0; round < options.Rounds; round++)
        {
            var timing = Round(model, single, batch, options, ct);
            best = best is { } known ? known.Best(timing) : timing;
        }
        return best!;
    }

    private static ModelTiming Round(
        InferenceModel model, Dictionary<string, InferenceTensor> single, Dictionary<string, InferenceTensor>? batch, MeasurementOptions options, CancellationToken ct)
    {
        var ticks = new long[options.LatencyRuns];
        var runs = 0;
        var deadline = Stopwatch.GetTimestamp() + Ticks(options.LatencyBudget);
        while (runs < ticks.Length)
        {
            if (runs % 64 == 0) ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            model.Run(single);
            var end = Stopwatch.GetTimestamp();
            ticks[runs++] = end - start;
            if (end > deadline && runs >= options.MinLatencyRuns) break;
        }
        var latency = LatencySummary.FromStopwatchTicks(ticks.AsSpan(0, runs));

        double? throughput = null;
        var throughputRuns = 0;
        if (batch is not null)
        {
            model.Run(batch);
            var start = Stopwatch.GetTimestamp();
            do
            {
                ct.ThrowIfCancellationRequested();
                model.Run(batch);
                throughputRuns++;
            }
            while (throughputRuns < options.MinThroughputRuns || Stopwatch.GetElapsedTime(start) < options.ThroughputDuration);
            throughput = (double)throughputRuns * ModelMeter.ThroughputBatch / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new ModelTiming(latency.P50Ms, latency.P95Ms, throughput, runs, throughputRuns);
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
