namespace Portal.Engine.Models;

/// <summary>Input and output shape (without the batch dimension) and trainable parameters of one layer.</summary>
public sealed record LayerShape(int Index, string Kind, IReadOnlyList<int> InputShape, IReadOnlyList<int> OutputShape, long Parameters);

public sealed record ShapeReport(IReadOnlyList<LayerShape> Layers)
{
    public long TotalParameters => Layers.Sum(l => l.Parameters);

    public IReadOnlyList<int> OutputShape => Layers.Count == 0 ? [] : Layers[^1].OutputShape;
}
