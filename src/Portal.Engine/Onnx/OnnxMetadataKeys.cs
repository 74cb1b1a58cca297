namespace Portal.Engine.Onnx;

/// <summary>Keys of the metadata properties Portal writes into every exported model.</summary>
public static class OnnxMetadataKeys
{
    /// <summary>JSON array of class names, index = output position.</summary>
    public const string ClassLabels = "portal.class_labels";

    /// <summary>JSON of the input standardisation statistics (mode, sample shape, mean, std), for display.</summary>
    public const string Standardization = "portal.standardization";

    /// <summary>Where the graph standardises its input; one of <see cref="StandardizationPlacements"/>. Callers send raw features unless it is <c>none</c>.</summary>
    public const string StandardizationPlacement = "portal.standardization_placement";

    public const string LineageId = "portal.lineage_id";

    /// <summary>
    /// The tokenizer a token model was trained with (<see cref="Data.WordTokenizer.ToJson"/>), so whoever serves it
    /// turns text into ids exactly as training did.
    /// </summary>
    public const string Tokenizer = "portal.tokenizer";

    /// <summary>The model spec as JSON, so a file can be traced back to the network it came from.</summary>
    public const string Spec = "portal.spec";
}

/// <summary>Values of <see cref="OnnxMetadataKeys.StandardizationPlacement"/>.</summary>
public static class StandardizationPlacements
{
    /// <summary>The model was exported without standardisation: callers send features as the network takes them.</summary>
    public const string None = "none";

    /// <summary>The graph's first nodes are Sub (mean) and Div (std).</summary>
    public const string FirstNodes = "first_nodes";

    /// <summary>Folded into the first (linear) layer's weights and bias; no separate nodes.</summary>
    public const string FoldedIntoFirstLayer = "folded_into_first_layer";
}
