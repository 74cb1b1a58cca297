namespace Portal.Engine.Compression;

/// <summary>
/// Measured figures of one model: parameters (trainable, as in the spec), how many are non-zero, the ONNX file raw
/// and gzip-compressed, test accuracy, ONNX Runtime latency at batch 1 and throughput at batch 64.
/// </summary>
public sealed record ModelFigures(
    long Parameters,
    long NonZeroParameters,
    long OnnxBytes,
    long OnnxGzipBytes,
    double TestAccuracy,
    double LatencyP50Ms,
    double LatencyP95Ms,
    double ThroughputBatch64);

/// <summary>
/// A layer left in float32 and why: a decision of the accuracy-driven search (with the test accuracy before and after
/// it), or a choice made before the search (named by the recipe, or a thin convolution), where both are null. With
/// dynamic activations the unit is one weight matrix, named by <see cref="Weight"/> (an encoder block holds several).
/// </summary>
public sealed record Float32Layer(int LayerIndex, string Kind, double? AccuracyBefore, double? AccuracyAfter, string Reason, string? Weight = null);

/// <summary>
/// How the int8 graph came out: which layers are int8, which stayed float32 and why, what ONNX Runtime fused them
/// into, the int8 form written (<see cref="Int8WeightForm"/>) and the int8 kernel path of the CPU that measured it.
/// With dynamic activations <see cref="QuantizedWeights"/> names each int8 weight matrix, and a layer is int8 when
/// any of its matrices is.
/// </summary>
public sealed record QuantizationOutcome(
    IReadOnlyList<int> QuantizedLayers,
    IReadOnlyList<Float32Layer> Float32Layers,
    double FullyQuantizedAccuracy,
    bool MetTolerance,
    IReadOnlyDictionary<string, int> RuntimeOperators,
    string Form,
    string KernelPath,
    IReadOnlyList<string>? QuantizedWeights = null);

/// <summary>Parent and child measured the same way on the same machine in the same job, and their ratios.</summary>
public sealed record CompressionReport(ModelFigures Parent, ModelFigures Compressed, IReadOnlyList<string> Notes, QuantizationOutcome? Quantization)
{
    /// <summary>Compressed minus parent test accuracy, in percentage points (negative is a loss).</summary>
    public double AccuracyChangePoints => (Compressed.TestAccuracy - Parent.TestAccuracy) * 100;

    /// <summary>Parent bytes over compressed bytes of the raw ONNX file.</summary>
    public double SizeRatio => (double)Parent.OnnxBytes / Compressed.OnnxBytes;

    public double GzipSizeRatio => (double)Parent.OnnxGzipBytes / Compressed.OnnxGzipBytes;

    /// <summary>Compressed over parent batch-1 median latency (below 1 is faster).</summary>
    public double LatencyP50Ratio => Compressed.LatencyP50Ms / Parent.LatencyP50Ms;

    public double LatencyP95Ratio => Compressed.LatencyP95Ms / Parent.LatencyP95Ms;

    /// <summary>Compressed over parent batch-64 samples per second (above 1 is faster).</summary>
    public double ThroughputRatio => Compressed.ThroughputBatch64 / Parent.ThroughputBatch64;
}
