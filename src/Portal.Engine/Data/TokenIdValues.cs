using Portal.Engine.Models;

namespace Portal.Engine.Data;

/// <summary>
/// Token ids as datasets hold them (float32 values, exact below 2^24) turned into the int64 ids a network's
/// embedding or an exported graph's input takes, each checked to be a whole number inside the vocabulary.
/// </summary>
internal static class TokenIdValues
{
    /// <summary>The largest id a float32 holds exactly; beyond it neighbouring ids share one value.</summary>
    public const int ExactLimit = 1 << 24;

    /// <summary>
    /// Converts <paramref name="values"/> into <paramref name="ids"/>; returns what is wrong with the first value that is
    /// not an id ("holds 2.5 at sample 3, position 4, …", to follow the values' name), or null when all are ids.
    /// </summary>
    /// <param name="vocabulary">Ids must be below this (the first embedding's vocabulary), or below <see cref="ExactLimit"/> when unknown.</param>
    public static string? Convert(ReadOnlySpan<float> values, Span<long> ids, int sampleLength, int? vocabulary)
    {
        var limit = vocabulary ?? ExactLimit;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (!(value >= 0 && value < limit && value == MathF.Floor(value)))
                return $"holds {value} at sample {i / sampleLength}, position {i % sampleLength}, which is not a token id (a whole number from 0 to {limit - 1})";
            ids[i] = (long)value;
        }
        return null;
    }

    /// <summary>The vocabulary of the spec's first embedding, which takes its token ids; null for a float spec.</summary>
    public static int? Vocabulary(ModelSpec spec) => spec.Tokens is null ? null : FirstEmbedding(spec.Layers)?.Vocabulary;

    private static EmbeddingLayer? FirstEmbedding(IReadOnlyList<LayerSpec> layers) => layers.Count == 0 ? null : layers[0] switch
    {
        EmbeddingLayer e => e,
        SequentialBlock b => FirstEmbedding(b.Layers),
        _ => null,
    };
}
