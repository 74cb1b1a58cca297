namespace Portal.Engine.Onnx;

/// <summary>
/// One dimension of a tensor's declared shape: a fixed size, a named symbolic size (<c>batch</c>, <c>seq</c>),
/// or neither (unknown, any size).
/// </summary>
public readonly record struct OnnxDimension(long? Size, string? Symbol)
{
    public static OnnxDimension Fixed(long size) => new(size, null);

    public static OnnxDimension Symbolic(string symbol) => new(null, symbol);

    public static OnnxDimension Unknown => new(null, null);

    public bool IsFixed => Size is not null;

    public override string ToString() => Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
