using Portal.Engine.Data;

namespace Portal.Engine.Onnx;

/// <summary>What goes into an exported model besides the network: standardisation, labels and lineage.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Input standardisation fitted on the training split. It becomes the graph's first nodes (Sub, Div), so
    /// callers send raw features, and is also recorded in the metadata for display.
    /// </summary>
    public FeatureStandardization? Standardization { get; init; }

    /// <summary>Class names by output position; their count must match the model's output width.</summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>The registry's lineage id of the version this file belongs to.</summary>
    public string? LineageId { get; init; }

    public string ProducerName { get; init; } = "Portal";

    public string? ProducerVersion { get; init; }

    public long ModelVersion { get; init; } = 1;
}
