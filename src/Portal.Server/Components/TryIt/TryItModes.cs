using Portal.Contracts.Registry;

namespace Portal.Server.Components.TryIt;

/// <summary>Which ways of giving input a version's signature allows; a V2 JSON body fits every signature.</summary>
public static class TryItModes
{
    /// <summary>Datatypes that hold an image's grey levels 0–255 as they are stored.</summary>
    private static readonly HashSet<string> s_pixelDatatypes = ["FP16", "BF16", "FP32", "FP64", "UINT8", "UINT16", "UINT32", "UINT64", "INT16", "INT32", "INT64"];

    private static readonly HashSet<string> s_floatDatatypes = ["FP16", "BF16", "FP32", "FP64"];

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

    /// <summary>[batch, height, width] or [batch, channels, height, width] of a type that holds 0–255.</summary>
    public static bool IsImage(TensorSignatureView input) => input.Shape.Count is 3 or 4 && s_pixelDatatypes.Contains(input.Datatype);

    /// <summary>[batch, columns] of floats, the number of columns fixed.</summary>
    public static bool IsRow(TensorSignatureView input) => input.Shape.Count == 2 && input.Shape[1] > 0 && s_floatDatatypes.Contains(input.Datatype);
}
