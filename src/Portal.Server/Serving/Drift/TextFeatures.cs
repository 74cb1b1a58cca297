using System.Numerics;
using Portal.Engine.Data;

namespace Portal.Server.Serving.Drift;

/// <summary>
/// What input drift watches for a text version, in place of raw token ids (whose positions mean nothing alone): per
/// text, its length in tokens (padding left out, as cut to the model's length) and the share of its tokens the
/// tokenizer did not know, the two statistics <see cref="TextStatistics"/> reports of a dataset.
/// </summary>
internal static class TextFeatures
{
    public const int Count = 2;

    public static readonly IReadOnlyList<string> Names = ["token length", "unknown-token share"];

    /// <summary>Writes one row of token ids' two features into <paramref name="features"/>.</summary>
    public static void Of<T>(ReadOnlySpan<T> ids, Span<float> features) where T : INumberBase<T>
    {
        var padding = T.CreateChecked(WordTokenizer.PaddingId);
        var unknownId = T.CreateChecked(WordTokenizer.UnknownId);
        int tokens = 0, unknown = 0;
        foreach (var id in ids)
        {
            if (id == padding) continue;
            tokens++;
            if (id == unknownId) unknown++;
        }
        features[0] = tokens;
        features[1] = tokens == 0 ? 0 : (float)unknown / tokens;
    }

    /// <summary>The features of every row of <paramref name="ids"/> (rows of <paramref name="length"/> ids), row after row.</summary>
    public static float[] Rows<T>(ReadOnlySpan<T> ids, int length) where T : INumberBase<T>
    {
        var rows = ids.Length / length;
        var features = new float[rows * Count];
        for (var r = 0; r < rows; r++) Of(ids.Slice(r * length, length), features.AsSpan(r * Count, Count));
        return features;
    }
}
