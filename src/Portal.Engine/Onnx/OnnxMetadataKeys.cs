namespace Portal.Engine.Onnx;

/// <summary>Keys of the metadata properties Portal writes into every exported model.</summary>
public static class OnnxMetadataKeys
{
    /// <summary>JSON array of class names, index = output position.</summary>
    public const string ClassLabels = "portal.class_labels";

    /// <summary>JSON of the input standardisation statistics (mode, sample shape, mean, std), for display.</summary>
    public const string Standardization = "portal.standardization";

    /// <summary><c>in_graph</c> when the standardisation is the graph's first nodes (callers send raw features), <c>none</c> otherwise.</summary>
    public const string StandardizationPlacement = "portal.standardization_placement";

    public const string LineageId = "portal.lineage_id";

    /// <summary>The model spec as JSON, so a file can be traced back to the network it came from.</summary>
    public const string Spec = "portal.spec";
}
