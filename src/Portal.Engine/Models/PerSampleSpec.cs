using Portal.Engine.Inference;

namespace Portal.Engine.Models;

/// <summary>
/// Whether a spec Portal trained is per-sample as exported (eval mode): each row's output depends on that row alone.
/// Every layer kind is listed by name; a kind added later and not listed here is not assumed per-sample, so its
/// versions are checked like an imported file.
/// </summary>
public static class PerSampleSpec
{
    /// <summary>The spec's independence, or null when a layer is not known to be per-sample (then run the check).</summary>
    public static BatchIndependence? Of(ModelSpec spec) =>
        LayerTree.PreOrder(spec).All(l => IsPerSample(l.Layer))
            ? new BatchIndependence(BatchIndependenceOutcome.PerSampleSpec,
                "trained by Portal from a spec whose every layer is per-sample in eval mode (batch norm uses its running statistics, dropout is off)")
            : null;

    private static bool IsPerSample(LayerSpec layer) => layer switch
    {
        // Batch norm is exported in eval mode, with the running statistics as constants; dropout is the identity.
        BatchNorm1dLayer or BatchNorm2dLayer or DropoutLayer => true,
        LinearLayer or Conv1dLayer or Conv2dLayer or MaxPool2dLayer or AvgPool2dLayer or AdaptiveAvgPool2dLayer or FlattenLayer => true,
        ReLULayer or LeakyReLULayer or GELULayer or TanhLayer or SigmoidLayer or SoftmaxLayer or LayerNormLayer => true,
        EmbeddingLayer or PositionalEncodingLayer or MultiHeadAttentionLayer or LstmLayer or GruLayer or SequencePoolLayer => true,
        SequentialBlock or ResidualBlock or TransformerEncoderBlock => true,
        _ => false,
    };
}
