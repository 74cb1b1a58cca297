namespace Portal.Engine.Onnx;

/// <summary>A named graph input or output: its element type and declared shape (symbolic dimensions included).</summary>
/// <param name="RankKnown">False when the file declares no shape at all, so any rank may come (<see cref="Dimensions"/> is
/// then empty); a scalar declares a shape of no dimensions and has rank 0.</param>
public sealed record OnnxTensorInfo(string Name, OnnxElementType ElementType, IReadOnlyList<OnnxDimension> Dimensions, bool RankKnown = true)
{
    public int Rank => Dimensions.Count;

    /// <summary>The shape as written in messages, e.g. <c>[batch,784]</c>; <c>[any shape]</c> when the file declares none.</summary>
    public string ShapeText => RankKnown ? $"[{string.Join(',', Dimensions)}]" : "[any shape]";

    public override string ToString() => $"'{Name}' ({ElementType.Name()} {ShapeText})";
}
