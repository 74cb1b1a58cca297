using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Compression;

/// <summary>
/// What to compress and how. <see cref="Train"/> feeds fine-tuning, distillation and calibration; <see cref="Test"/>
/// is where both models' accuracy is measured (and, for int8, the tolerance is checked).
/// </summary>
public sealed record CompressionRequest(TrainedModel Parent, CompressionRecipe Recipe, Dataset Train, Dataset Test)
{
    public MeasurementOptions Measurement { get; init; } = new();
}

/// <summary>How the report measures latency and throughput (ONNX Runtime on the CPU, parent and child alike).</summary>
public sealed record MeasurementOptions
{
    /// <summary>Timed batch-1 calls per round, after as many warm-up calls.</summary>
    public int LatencyCalls { get; init; } = 300;

    /// <summary>Seconds of back-to-back batch-64 calls per round.</summary>
    public double ThroughputSeconds { get; init; } = 0.5;

    /// <summary>Parent and child are measured alternately this many times; each keeps its best round (the machine is shared).</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>
    /// ONNX Runtime intra-op threads; null lets it choose. One by default, as the portal serves a version (its
    /// concurrency is across requests, not inside one run), so the report predicts the served figures.
    /// </summary>
    public int? IntraOpThreads { get; init; } = 1;

    public void Validate()
    {
        if (LatencyCalls <= 0) throw new ArgumentException($"Latency calls must be positive, not {LatencyCalls}.");
        if (!(ThroughputSeconds > 0) || double.IsInfinity(ThroughputSeconds)) throw new ArgumentException($"Throughput seconds must be positive, not {ThroughputSeconds}.");
        if (Rounds <= 0) throw new ArgumentException($"Measurement rounds must be positive, not {Rounds}.");
        if (IntraOpThreads is <= 0) throw new ArgumentException($"Intra-op threads must be positive, not {IntraOpThreads}.");
    }
}
