namespace Portal.Engine.Weights;

/// <summary>One float32 tensor of a model's state, row-major.</summary>
public sealed record NamedTensor(string Name, IReadOnlyList<int> Shape, float[] Data)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
