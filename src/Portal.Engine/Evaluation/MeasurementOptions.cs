using Portal.Engine.Inference;

namespace Portal.Engine.Evaluation;

/// <summary>
/// How <see cref="ModelMeter"/> times a model: batch-1 latency runs after a warm-up, then batch-64 runs for
/// throughput, repeated in rounds (several models alternate) with each model keeping its best round. The defaults
/// keep one model to a few seconds.
/// </summary>
public sealed record MeasurementOptions
{
    /// <summary>Batch-1 runs before timing starts (at most <see cref="WarmUpBudget"/>): the first runs allocate and page in.</summary>
    public int WarmUpRuns { get; init; } = 50;

    public TimeSpan WarmUpBudget { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Timed batch-1 runs per round: 2 000 give a p95 from the 1 900th value.</summary>
    public int LatencyRuns { get; init; } = 2000;

    /// <summary>Batch-1 timing stops early after this long (a slow model still gets <see cref="MinLatencyRuns"/>).</summary>
    public TimeSpan LatencyBudget { get; init; } = TimeSpan.FromSeconds(5);

    public int MinLatencyRuns { get; init; } = 10;

    /// <summary>Batch-64 runs repeat for at least this long and at least <see cref="MinThroughputRuns"/> times per round.</summary>
    public TimeSpan ThroughputDuration { get; init; } = TimeSpan.FromSeconds(0.5);

    public int MinThroughputRuns { get; init; } = 3;

    /// <summary>Each model keeps its best of this many rounds: the machine is shared, and a busy moment should not count against one model.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>
    /// ONNX Runtime intra-op threads; null lets it choose. One by default, as the portal serves a version (its
    /// concurrency is across requests, not inside one run), so the figures predict the served ones.
    /// </summary>
    public int? IntraOpThreads { get; init; } = 1;

    /// <summary>Time on the CUDA execution provider when this ONNX Runtime has one (as serving does); the CPU otherwise.</summary>
    public bool PreferCuda { get; init; }

    /// <summary>The session options of every model measured: load a model with these to evaluate and time it as served.</summary>
    public InferenceOptions Sessions => new() { IntraOpThreads = IntraOpThreads, PreferCuda = PreferCuda };

    public void Validate()
    {
        if (WarmUpRuns < 0) throw new ArgumentException($"Warm-up runs must not be negative, not {WarmUpRuns}.");
        if (LatencyRuns <= 0) throw new ArgumentException($"Latency runs must be positive, not {LatencyRuns}.");
        if (MinLatencyRuns <= 0) throw new ArgumentException($"Minimum latency runs must be positive, not {MinLatencyRuns}.");
        if (MinThroughputRuns <= 0) throw new ArgumentException($"Minimum throughput runs must be positive, not {MinThroughputRuns}.");
        if (WarmUpBudget < TimeSpan.Zero || LatencyBudget < TimeSpan.Zero || ThroughputDuration < TimeSpan.Zero)
            throw new ArgumentException("Measurement budgets and durations must not be negative.");
        if (Rounds <= 0) throw new ArgumentException($"Measurement rounds must be positive, not {Rounds}.");
        if (IntraOpThreads is <= 0) throw new ArgumentException($"Intra-op threads must be positive, not {IntraOpThreads}.");
    }
}
