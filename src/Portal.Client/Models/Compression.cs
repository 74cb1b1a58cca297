using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Client.Models;

/// <summary>
/// How to compress a version, as the engine's recipe: <c>{"method": …, …}</c>. Settings left null take the server's
/// defaults (see the engine's CompressionRecipe).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "method")]
[JsonDerivedType(typeof(UnstructuredPruning), "prune-unstructured")]
[JsonDerivedType(typeof(StructuredPruning), "prune-structured")]
[JsonDerivedType(typeof(Int8Quantization), "quantize-int8")]
[JsonDerivedType(typeof(Distillation), "distill")]
public abstract record CompressionRecipe;

/// <summary>Magnitude pruning to <see cref="Sparsity"/> (in (0, 1)): the smallest weights become zero and stay zero through fine-tuning.</summary>
public sealed record UnstructuredPruning(double Sparsity) : CompressionRecipe
{
    /// <summary><c>Global</c> (one threshold for every layer, the default) or <c>PerLayer</c>.</summary>
    public string? Scope { get; init; }

    /// <summary><c>OneShot</c> (the default) or <c>Gradual</c> (the sparsity rises during fine-tuning, which it then needs).</summary>
    public string? Schedule { get; init; }

    /// <summary>Training after (or, gradual, during) pruning; null prunes without training.</summary>
    public TrainingSettings? FineTuning { get; init; }
}

/// <summary>Removes the <see cref="Ratio"/> (in (0, 1)) of each hidden layer's neurons or channels with the smallest norm: the network becomes smaller.</summary>
public sealed record StructuredPruning(double Ratio) : CompressionRecipe
{
    /// <summary><c>L1</c> (the default) or <c>L2</c>.</summary>
    public string? Norm { get; init; }

    public TrainingSettings? FineTuning { get; init; }
}

/// <summary>Int8 post-training quantisation; layers that cost more than <see cref="TolerancePoints"/> of test accuracy stay float32.</summary>
public sealed record Int8Quantization : CompressionRecipe
{
    /// <summary>
    /// <c>Auto</c> (the default: dynamic for a model on token ids, calibrated otherwise), <c>Calibrated</c> (ranges
    /// measured on training samples, QDQ graph) or <c>Dynamic</c> (MatMul/Gemm inputs quantised at run time).
    /// </summary>
    public string? Activations { get; init; }

    /// <summary>Calibrated activations: training samples the ranges are measured on (server default 1000).</summary>
    public int? CalibrationSamples { get; init; }

    /// <summary>The largest accepted test-accuracy drop in percentage points (server default 1).</summary>
    public double? TolerancePoints { get; init; }

    /// <summary><c>MinMax</c> (the default) or <c>Percentile</c>.</summary>
    public string? Calibration { get; init; }

    public int? Seed { get; init; }
}

/// <summary>
/// Trains <see cref="Student"/> from scratch with the version as its teacher. The student is a spec: JSON text, a
/// <see cref="JsonElement"/>, plain objects (dictionaries, lists, numbers, strings) or a ready spec's name.
/// </summary>
public sealed record Distillation(object Student, TrainingSettings Training) : CompressionRecipe
{
    /// <summary>Weight of the hard labels in [0, 1] (server default 0.5); the rest goes to the teacher's soft targets.</summary>
    public double? Alpha { get; init; }

    /// <summary>Softmax temperature of the soft targets (server default 4).</summary>
    public double? Temperature { get; init; }
}

/// <summary>The training of a fine-tuning or a distillation; null settings take the engine's defaults.</summary>
public sealed record TrainingSettings
{
    public int? Epochs { get; init; }

    public int? BatchSize { get; init; }

    public int? Seed { get; init; }
}

