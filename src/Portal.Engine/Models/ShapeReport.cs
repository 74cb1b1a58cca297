namespace Portal.Engine.Models;

/// <summary>
/// Input and output shape (without the batch dimension) and trainable parameters of one layer or block.
/// <see cref="Index"/> is the position among its siblings; <see cref="Path"/> names it from the spec's root
/// (<c>layers[3].body[1]</c>) and <see cref="Depth"/> is 0 for the spec's own layers. A block's parameters are
/// those of everything inside it.
/// </summary>
public sealed record LayerShape(int Index, string Kind, IReadOnlyList<int> InputShape, IReadOnlyList<int> OutputShape, long Parameters)
{
    public string Path { get; init; } = $"layers[{Index}]";

    public int Depth { get; init; }
}

/// <param name="Layers">The spec's own layers, in order.</param>
/// <param name="Blocks">Every layer and block at any depth, each block before what it holds.</param>
/// <param name="SequenceLengthFixed">
/// True when a token spec's output depends on the input having exactly the maximum length (a flatten over the
/// sequence); exported models then take [batch, maximum length] rather than a dynamic sequence.
/// </param>
public sealed record ShapeReport(IReadOnlyList<LayerShape> Layers, IReadOnlyList<LayerShape> Blocks, bool SequenceLengthFixed = false)
{
    public long TotalParameters => Layers.Sum(l => l.Parameters);

    public IReadOnlyList<int> OutputShape => Layers.Count == 0 ? [] : Layers[^1].OutputShape;

    /// <summary>The entry for the layer or block at <paramref name="path"/>.</summary>
    public LayerShape At(string path) =>
        Blocks.FirstOrDefault(b => b.Path == path) ?? throw new ModelSpecException($"The spec has nothing at {path}.");
}
