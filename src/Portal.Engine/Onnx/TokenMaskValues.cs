namespace Portal.Engine.Onnx;

/// <summary>
/// The padding mask of a token graph as ONNX values, each made once, on first use, from the input ids:
/// what the torch network's <c>PaddingMask</c> is to its modules.
/// </summary>
internal sealed class TokenMaskValues(GraphBuilder graph, string tokenIds, long paddingId)
{
    private string? _padded;
    private string? _realBool;
    private string? _valid;
    private string? _real;
    private string? _lengths;

    /// <summary>[batch, sequence] bool, true at padding.</summary>
    public string Padded => _padded ??= graph.AddNode("Equal", [tokenIds, graph.AddInitializer("mask.padding_id", [paddingId], [])], "mask.padded");

    /// <summary>[batch, sequence] float, 1 at real tokens and 0 at padding.</summary>
    public string Valid => _valid ??= graph.AddNode("Cast", [RealBool], "mask.valid",
        GraphBuilder.Attribute("to", (long)Protobuf.TensorProto.Types.DataType.Float));

    /// <summary>[batch, sequence] int32, 1 at real tokens and 0 at padding (ONNX Runtime's attention mask).</summary>
    public string Real => _real ??= graph.AddNode("Cast", [RealBool], "mask.real",
        GraphBuilder.Attribute("to", (long)Protobuf.TensorProto.Types.DataType.Int32));

    private string RealBool => _realBool ??= graph.AddNode("Not", [Padded], "mask.valid_bool");

    /// <summary>[batch] int32, the number of real tokens (what ONNX recurrent ops take as <c>sequence_lens</c>).</summary>
    public string Lengths => _lengths ??= graph.AddNode("Cast",
        [graph.AddNode("ReduceSum", [Valid, graph.AddInitializer("mask.sequence_axis", [1L], [1])], "mask.length_float", GraphBuilder.Attribute("keepdims", 0L))],
        "mask.lengths", GraphBuilder.Attribute("to", (long)Protobuf.TensorProto.Types.DataType.Int32));
}
