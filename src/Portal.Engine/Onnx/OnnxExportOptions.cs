using Portal.Engine.Data;

namespace Portal.Engine.Onnx;

/// <summary>What goes into an exported model besides the network: standardisation, labels and lineage.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Input standardisation fitted on the training split. It becomes part of the graph, so callers send raw
    /// features and the statistics have one source of truth; it is also recorded in the metadata for display.
    /// </summary>
    public FeatureStandardization? Standardization { get; init; }

    /// <summary>
    /// When the first layer is linear, fold the standardisation into that layer's weights
    /// (W / σ, b − W·μ / σ) instead of writing Sub and Div nodes: two fewer passes over the input on every call.
    /// Off writes the statistics as the first nodes, leaving the layer's weights as trained (e.g. for quantisation).
    /// </summary>
    public bool FoldStandardization { get; init; } = true;

    /// <summary>
    /// Write self-attention as ONNX Runtime's fused com.microsoft Attention and an encoder layer's residual sum and norm
    /// as SkipLayerNormalization: fewer, larger kernels, in a file that only ONNX Runtime runs. Compression's int8
    /// child uses it; every other export is standard ONNX.
    /// </summary>
    internal bool OnnxRuntimeFusions { get; init; }

    /// <summary>Class names by output position; their count must match the model's output width.</summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>For a token model, the tokenizer's JSON artifact (<see cref="WordTokenizer.ToJson"/>), written to the metadata.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>The registry's lineage id of the version this file belongs to.</summary>
    public string? LineageId { get; init; }

    public string ProducerName { get; init; } = "Portal";

    public string? ProducerVersion { get; init; }

    public long ModelVersion { get; init; } = 1;
}
