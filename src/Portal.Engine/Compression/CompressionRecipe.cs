using System.Text.Json.Serialization;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Compression;

/// <summary>
/// How to compress a trained model: the method and every setting it uses, serialisable as JSON so a registry
/// can record it as the recipe of the version it produced.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "method")]
[JsonDerivedType(typeof(UnstructuredPruningRecipe), "prune-unstructured")]
[JsonDerivedType(typeof(StructuredPruningRecipe), "prune-structured")]
[JsonDerivedType(typeof(QuantizationRecipe), "quantize-int8")]
[JsonDerivedType(typeof(DistillationRecipe), "distill")]
public abstract record CompressionRecipe
{
    /// <summary>The discriminator as written in JSON, used in messages and reports.</summary>
    [JsonIgnore]
    public abstract string Method { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public abstract void Validate();

    private protected static void ValidateFineTuning(TrainingOptions? fineTuning, string what)
    {
        try
        {
            fineTuning?.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{what}: {e.Message}", e);
        }
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<PruningScope>))]
public enum PruningScope
{
    /// <summary>One magnitude threshold over every prunable weight: layers end with different sparsities.</summary>
    Global,

    /// <summary>Each layer's weights pruned to the target sparsity on their own.</summary>
    PerLayer,
}

[JsonConverter(typeof(JsonStringEnumConverter<PruningSchedule>))]
public enum PruningSchedule
{
    /// <summary>Prune to the target once, then fine-tune (if asked) with the masks held.</summary>
    OneShot,

    /// <summary>Zhu &amp; Gupta's cubic schedule: sparsity rises from 0 to the target during fine-tuning.</summary>
    Gradual,
}

[JsonConverter(typeof(JsonStringEnumConverter<ChannelNorm>))]
public enum ChannelNorm
{
    L1,
    L2,
}

[JsonConverter(typeof(JsonStringEnumConverter<CalibrationMethod>))]
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum of each activation.</summary>
    MinMax,

    /// <summary>The <see cref="QuantizationRecipe.Percentile"/>-th and (100 − p)-th percentiles: outliers clip, the rest gets finer steps.</summary>
    Percentile,
}

/// <summary>How an int8 graph quantises the activations that enter its int8 layers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Int8Activations>))]
public enum Int8Activations
{
    /// <summary>Dynamic for a model on token ids (a transformer or an MLP over embeddings), calibrated for any other.</summary>
    Auto,

    /// <summary>
    /// Ranges measured once on training samples and written into a QDQ graph: linear and conv2d layers of a flat list
    /// run as QGemm and QLinearConv, the values between them stay uint8.
    /// </summary>
    Calibrated,

    /// <summary>
    /// Each MatMul/Gemm weight int8 offline; its input quantised to uint8 at run time from its own range
    /// (DynamicQuantizeLinear → MatMulInteger → scale back to float), the route ONNX Runtime recommends for
    /// transformers, whose activations vary too much from text to text for one calibrated range. Any spec whose
    /// graph multiplies by weight matrices, blocks and attention included.
    /// </summary>
    Dynamic,
}

/// <summary>
/// Magnitude pruning of the weights of linear and convolution layers (biases and batch norm stay): the
/// smallest weights become zero and stay zero through fine-tuning. The network keeps its shape.
/// </summary>
public sealed record UnstructuredPruningRecipe : CompressionRecipe
{
    [JsonIgnore]
    public override string Method => "prune-unstructured";

    /// <summary>Fraction of the prunable weights set to zero, in (0, 1).</summary>
    public double Sparsity { get; init; } = 0.8;

    public PruningScope Scope { get; init; } = PruningScope.Global;

    public PruningSchedule Schedule { get; init; } = PruningSchedule.OneShot;

    /// <summary>Gradual only: the fraction of fine-tuning steps over which sparsity rises; the rest fine-tunes at the target.</summary>
    public double RampFraction { get; init; } = 0.75;

    /// <summary>Gradual only: how many times the masks are recomputed during the ramp.</summary>
    public int MaskUpdates { get; init; } = 20;

    /// <summary>Training after (or, gradual, during) pruning, on the parent's standardisation; null prunes one-shot without training.</summary>
    public TrainingOptions? FineTuning { get; init; }

    public override void Validate()
    {
        if (!(Sparsity > 0 && Sparsity < 1))
            throw new ArgumentException($"Sparsity must be in (0, 1), not {Sparsity}.");
        if (Schedule == PruningSchedule.Gradual)
        {
            if (FineTuning is null) throw new ArgumentException("Gradual pruning needs fine-tuning options: the sparsity rises during training.");
            if (!(RampFraction > 0 && RampFraction <= 1)) throw new ArgumentException($"The ramp fraction must be in (0, 1], not {RampFraction}.");
            if (MaskUpdates <= 0) throw new ArgumentException($"Mask updates must be positive, not {MaskUpdates}.");
        }
        ValidateFineTuning(FineTuning, "Fine-tuning");
    }
}

/// <summary>
/// Removes whole neurons of linear layers and whole channels of convolutions (with their batch norm) with the
/// smallest norm, and the matching inputs of the next layer: the network becomes genuinely smaller. The
/// output layer keeps all its units.
/// </summary>
public sealed record StructuredPruningRecipe : CompressionRecipe
{
    [JsonIgnore]
    public override string Method => "prune-structured";

    /// <summary>Fraction of the neurons or channels removed from each hidden layer, in (0, 1); at least one stays.</summary>
    public double Ratio { get; init; } = 0.5;

    public ChannelNorm Norm { get; init; } = ChannelNorm.L1;

    /// <summary>Training after pruning, on the parent's standardisation; null keeps the pruned weights as they are.</summary>
    public TrainingOptions? FineTuning { get; init; }

    public override void Validate()
    {
        if (!(Ratio > 0 && Ratio < 1))
            throw new ArgumentException($"The structured pruning ratio must be in (0, 1), not {Ratio}.");
        ValidateFineTuning(FineTuning, "Fine-tuning");
    }
}

/// <summary>
/// Int8 post-training quantisation: symmetric int8 weights, and uint8 activations either calibrated on training samples
/// into a QDQ graph with per-channel weights and int32 biases, or quantised at run time with one scale per weight
/// matrix (<see cref="Activations"/>). Layers
/// that cost more accuracy than <see cref="TolerancePoints"/> allows stay float32, the most harmful first.
/// </summary>
public sealed record QuantizationRecipe : CompressionRecipe
{
    [JsonIgnore]
    public override string Method => "quantize-int8";

    public Int8Activations Activations { get; init; } = Int8Activations.Auto;

    /// <summary>Calibrated activations only: training samples the ranges are measured on (a seeded random choice).</summary>
    public int CalibrationSamples { get; init; } = 1000;

    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Percentile calibration only: the upper percentile kept, in (50, 100].</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>The largest test-accuracy drop accepted, in percentage points.</summary>
    public double TolerancePoints { get; init; } = 1.0;

    public int Seed { get; init; } = 42;

    /// <summary>
    /// Layers (spec indices) to leave in float32 from the start: linear or conv2d layers, or with dynamic activations
    /// any layer holding weight matrices (an encoder block's every one).
    /// </summary>
    public IReadOnlyList<int> Float32Layers { get; init; } = [];

    /// <summary>
    /// Leave in float32 a convolution whose input channels × kernel² is below <see cref="ThinConvolutionDepth"/>
    /// (a first layer on grey images: 1 × 3² = 9). ONNX Runtime's int8 convolution is slower than its float32 one
    /// there (as slow as the much wider convolution after it), while such a layer holds little of the work.
    /// Its fast symmetric kernel needs input channels in multiples of 4; padding 1 channel to 4 (zero weights) reaches it
    /// but stays slower than the float32 layer.
    /// </summary>
    public bool ThinConvolutionsFloat32 { get; init; } = true;

    public int ThinConvolutionDepth { get; init; } = 32;

    /// <summary>The activations this recipe gives <paramref name="spec"/>: <see cref="Activations"/>, with Auto resolved.</summary>
    public Int8Activations ActivationsFor(ModelSpec spec) =>
        Activations != Int8Activations.Auto ? Activations : spec.Tokens is null ? Int8Activations.Calibrated : Int8Activations.Dynamic;

    public override void Validate()
    {
        if (CalibrationSamples <= 0)
            throw new ArgumentException($"Calibration needs at least one sample, not {CalibrationSamples}.");
        if (!(Percentile > 50 && Percentile <= 100))
            throw new ArgumentException($"The calibration percentile must be in (50, 100], not {Percentile}.");
        if (!(TolerancePoints >= 0) || double.IsInfinity(TolerancePoints))
            throw new ArgumentException($"The accuracy tolerance must be a finite number of points, at least 0, not {TolerancePoints}.");
        if (!Enum.IsDefined(Activations))
            throw new ArgumentException($"Activations must be Auto, Calibrated or Dynamic, not {Activations}.");
    }
}

/// <summary>
/// Trains <see cref="Student"/> from scratch on the loss α·CE(y, student) + (1 − α)·T²·KL(softmax(teacher/T) ‖ softmax(student/T)),
/// the parent being the teacher (its logits computed in eval mode, once, on the training samples).
/// </summary>
public sealed record DistillationRecipe(ModelSpec Student, TrainingOptions Training) : CompressionRecipe
{
    [JsonIgnore]
    public override string Method => "distill";

    /// <summary>Weight of the hard-label cross-entropy, in [0, 1]; the rest goes to the teacher's soft targets.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Softmax temperature of the soft targets, positive.</summary>
    public double Temperature { get; init; } = 4;

    public override void Validate()
    {
        ArgumentNullException.ThrowIfNull(Student);
        ArgumentNullException.ThrowIfNull(Training);
        if (!(Alpha >= 0 && Alpha <= 1)) throw new ArgumentException($"Alpha must be in [0, 1], not {Alpha}.");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"The temperature must be positive and finite, not {Temperature}.");
        Student.Infer();
        ValidateFineTuning(Training, "Student training");
    }
}
