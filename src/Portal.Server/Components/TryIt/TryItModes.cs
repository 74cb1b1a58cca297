using System.Collections.Frozen;
using Portal.Contracts.Registry;

namespace Portal.Server.Components.TryIt;

/// <summary>Which ways of giving input a version's signature allows; a V2 JSON body fits every signature.</summary>
public static class TryItModes
{
    /// <summary>Datatypes that hold an image's grey levels 0–255 as they are stored.</summary>
    private static readonly FrozenSet<string> s_pixelDatatypes = FrozenSet.ToFrozenSet(["FP16", "BF16", "FP32", "FP64", "UINT8", "UINT16", "UINT32", "UINT64", "INT16", "INT32", "INT64"]);

    private static readonly FrozenSet<string> s_floatDatatypes = FrozenSet.ToFrozenSet(["FP16", "BF16", "FP32", "FP64"]);

    public static IReadOnlyList<TryItMode> Of(TryItTarget target)
    {
        var modes = new List<TryItMode>();
        if (target.TakesText) modes.Add(TryItMode.Text);
        if (target.SoleInput is { } input)
        {
            if (IsImage(input)) modes.Add(TryItMode.Image);
            if (IsRow(input)) modes.Add(TryItMode.CsvRow);
        }
        modes.Add(TryItMode.Json);
        return modes;
    }

    /// <summary>The smallest side of a square image a flat input [batch, side²] is taken to hold.</summary>
    public const int MinFlatSide = 8;

    /// <summary>
    /// [batch, height, width] or [batch, channels, height, width] of a type that holds 0–255; or [batch, side²], a
    /// square image flattened row-major as the engine flattens an IDX sample for a network that takes its values in a row.
    /// </summary>
    public static bool IsImage(TensorSignatureView input) => s_pixelDatatypes.Contains(input.Datatype)
        && (input.Shape.Count is 3 or 4 || input.Shape.Count == 2 && FlatSide(input.Shape[1]) is not null);

    /// <summary>The side of the square image <paramref name="values"/> values hold, or null when they hold none of at least <see cref="MinFlatSide"/>.</summary>
    public static int? FlatSide(long values)
    {
        var side = (int)Math.Round(Math.Sqrt(values));
        return side >= MinFlatSide && (long)side * side == values ? side : null;
    }

    /// <summary>[batch, columns] of floats, the number of columns fixed.</summary>
    public static bool IsRow(TensorSignatureView input) => input.Shape.Count == 2 && input.Shape[1] > 0 && s_floatDatatypes.Contains(input.Datatype);
}
