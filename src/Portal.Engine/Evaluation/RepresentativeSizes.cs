using System.Globalization;
using Portal.Engine.Onnx;

namespace Portal.Engine.Evaluation;

/// <summary>
/// What a caller says about a model's dynamic dimensions and integer inputs, for timing it on synthesized inputs:
/// a size per dimension, named by its symbol (<c>height</c>) or, for a dimension without one, by input and position
/// (<c>image.2</c>); and the bound below which integer inputs are drawn (token ids, indices).
/// </summary>
public sealed record RepresentativeSizes
{
    /// <summary>A dynamic dimension nobody sized: small enough to time quickly, large enough for a convolution's window.</summary>
    public const long DefaultDimension = 32;

    /// <summary>Integer inputs are drawn from [0, bound): small, so an id indexes even a small embedding table.</summary>
    public const long DefaultIntegerBound = 10;

    public const long MaxDimension = 1 << 20;

    public static RepresentativeSizes Default { get; } = new();

    public IReadOnlyDictionary<string, long> Dimensions { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    public long IntegerBound { get; init; } = DefaultIntegerBound;

    /// <summary>The key that names dimension <paramref name="index"/> of <paramref name="input"/>: its symbol, or <c>input.index</c>.</summary>
    public static string KeyOf(OnnxTensorInfo input, int index) =>
        input.Dimensions[index].Symbol is { Length: > 0 } symbol ? symbol : $"{input.Name}.{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Why these sizes do not fit the inputs (a key naming no dynamic dimension, a size out of range), or null.</summary>
    public string? Misfit(IReadOnlyList<OnnxTensorInfo> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (IntegerBound is < 1 or > int.MaxValue)
            return $"the integer bound must be between 1 and {int.MaxValue}, not {IntegerBound}";
        var dynamic = inputs.SelectMany(i => Enumerable.Range(0, i.Rank).Where(d => !i.Dimensions[d].IsFixed).Select(d => KeyOf(i, d)))
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var (key, size) in Dimensions)
        {
            if (!dynamic.Contains(key, StringComparer.Ordinal))
            {
                return dynamic.Count == 0
                    ? $"dimension '{key}' was sized, but the model has no dynamic dimension"
                    : $"dimension '{key}' was sized, but the model's dynamic dimensions are {string.Join(", ", dynamic.Select(k => $"'{k}'"))}";
            }
            if (size is < 1 or > MaxDimension)
                return $"dimension '{key}' must be between 1 and {MaxDimension}, not {size}";
        }
        return null;
    }
}
