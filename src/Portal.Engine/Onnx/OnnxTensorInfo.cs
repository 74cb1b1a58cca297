namespace Portal.Engine.Onnx;

/// <summary>A named graph input or output: its element type and declared shape (symbolic dimensions included).</summary>
public sealed record OnnxTensorInfo(string Name, OnnxElementType ElementType, IReadOnlyList<OnnxDimension> Dimensions)
{
    public int Rank => Dimensions.Count;

    /// <summary>The shape as written in messages, e.g. <c>[batch,784]</c>.</summary>
    public string ShapeText => $"[{string.Join(',', Dimensions)}]";

    public override string ToString() => $"'{Name}' ({ElementType.Name()} {ShapeText})";
}
