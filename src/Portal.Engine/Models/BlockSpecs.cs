namespace Portal.Engine.Models;

/// <summary>Layers applied in order, as one block. Parameters are named <c>"{path}.{i}.weight"</c>.</summary>
public sealed record SequentialBlock(IReadOnlyList<LayerSpec> Layers) : LayerSpec
{
    public override string Kind => "sequential";

    public bool Equals(SequentialBlock? other) => other is not null && Layers.SequenceEqual(other.Layers);

    public override int GetHashCode() => Layers.Count;
}

/// <summary>
/// <c>body(x) + projection(x)</c>, or <c>body(x) + x</c> without a projection; the two must have the same shape.
/// Parameters are named <c>"{path}.body.{i}.…"</c> and <c>"{path}.projection.{i}.…"</c>.
/// </summary>
public sealed record ResidualBlock(IReadOnlyList<LayerSpec> Body, IReadOnlyList<LayerSpec>? Projection = null) : LayerSpec
{
    public override string Kind => "residual";

    public bool Equals(ResidualBlock? other) =>
        other is not null && Body.SequenceEqual(other.Body)
        && (Projection is null ? other.Projection is null : other.Projection is not null && Projection.SequenceEqual(other.Projection));

    public override int GetHashCode() => HashCode.Combine(Body.Count, Projection?.Count);
}

public enum FeedForwardActivation
{
    Relu,
    Gelu,
}

/// <summary>
/// <see cref="Layers"/> transformer encoder layers over [sequence, width]: self-attention with
/// <see cref="Heads"/> heads, then a feed-forward of width <see cref="FeedForward"/>, each with a residual and a
/// layer norm (before the sublayer when <see cref="NormFirst"/>, after it otherwise).
/// </summary>
public sealed record TransformerEncoderBlock(
    int Heads,
    int FeedForward,
    int Layers = 1,
    double Dropout = 0.1,
    FeedForwardActivation Activation = FeedForwardActivation.Relu,
    bool NormFirst = false,
    double Eps = 1e-5) : LayerSpec
{
    public override string Kind => "transformerEncoder";
}
