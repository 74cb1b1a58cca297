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

    /// <summary>Sizes read from an example input (<see cref="FromExample"/>); <see cref="Dimensions"/> win over them.</summary>
    public IReadOnlyDictionary<string, long> Example { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>
    /// The sizes an example input's shapes give the dynamic dimensions, by input name: every dimension but the first,
    /// which stays the batch. Refused, naming the input, when a name is not an input, a rank differs, a fixed dimension
    /// is contradicted or a symbol gets two sizes.
    /// </summary>
    /// <exception cref="ArgumentException">The example does not fit the inputs.</exception>
    public static Dictionary<string, long> FromExample(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(shapes);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, shape) in shapes)
        {
            var input = inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentException($"The example input has '{name}', but the model's inputs are {string.Join(", ", inputs)}.");
            if (input.Rank != shape.Length)
                throw new ArgumentException($"The example input gives '{name}' shape [{string.Join(',', shape)}], but input {input} has rank {input.Rank}.");
            for (var d = 0; d < shape.Length; d++)
            {
                if (shape[d] is < 1 or > MaxDimension)
                    throw new ArgumentException($"The example input gives '{name}' shape [{string.Join(',', shape)}]: dimension {d} must be between 1 and {MaxDimension}.");
                var declared = input.Dimensions[d];
                if (declared.Size is long size && size != shape[d])
                    throw new ArgumentException($"The example input gives '{name}' shape [{string.Join(',', shape)}], but input {input} fixes dimension {d} at {size}.");
                if (declared.IsFixed || d == 0) continue;
                var key = KeyOf(input, d);
                if (sizes.TryGetValue(key, out var other) && other != shape[d])
                    throw new ArgumentException($"The example input sizes '{key}' both {other} and {shape[d]}.");
                sizes[key] = shape[d];
            }
        }
        return sizes;
    }

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
