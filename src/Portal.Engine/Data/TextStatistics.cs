namespace Portal.Engine.Data;

/// <summary>
/// What a text dataset looks like through a tokenizer: how long its texts are in tokens (before truncation), how much
/// of it the tokenizer's vocabulary covers, and how its classes are balanced.
/// </summary>
/// <param name="Lengths">Token counts: minimum, median, 90th and 99th percentile (nearest rank), maximum, mean.</param>
/// <param name="LengthHistogram">Texts per length bucket, in order.</param>
/// <param name="TokenCoverage">Share of all tokens that are in the vocabulary (not unknown).</param>
/// <param name="WordCoverage">Share of the distinct words that are in the vocabulary.</param>
public sealed record TextStatistics(
    int Texts,
    TextLengths Lengths,
    IReadOnlyList<LengthBucket> LengthHistogram,
    long Tokens,
    long UnknownTokens,
    double TokenCoverage,
    int DistinctWords,
    double WordCoverage,
    int VocabularySize,
    IReadOnlyList<int> ClassCounts)
{
    public const int Buckets = 12;

    public static TextStatistics Measure(TextDataset data, WordTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var lengths = new int[data.Count];
        long tokens = 0, unknown = 0;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < data.Count; i++)
        {
            foreach (var word in WordTokenizer.Words(data.Texts[i]))
            {
                lengths[i]++;
                distinct.Add(word);
                if (tokenizer.Id(word) == WordTokenizer.UnknownId) unknown++;
            }
            tokens += lengths[i];
        }
        var known = distinct.Count(w => tokenizer.Id(w) != WordTokenizer.UnknownId);
        var classes = new int[data.ClassNames.Count];
        foreach (var label in data.Labels) classes[label]++;
        return new TextStatistics(
            data.Count, TextLengths.Of(lengths), Histogram(lengths), tokens, unknown,
            tokens > 0 ? (double)(tokens - unknown) / tokens : 0,
            distinct.Count, distinct.Count > 0 ? (double)known / distinct.Count : 0,
            tokenizer.VocabularySize, classes);
    }

    /// <summary>Equal-width buckets from 0 to the longest text, so the long tail shows where a spec's length would cut.</summary>
    private static LengthBucket[] Histogram(int[] lengths)
    {
        if (lengths.Length == 0) return [];
        var max = lengths.Max();
        var width = Math.Max(1, (max + Buckets) / Buckets);
        var counts = new int[max / width + 1];
        foreach (var length in lengths) counts[length / width]++;
        return [.. counts.Select((count, b) => new LengthBucket(b * width, b * width + width - 1, count))];
    }
}

/// <summary>Texts of <see cref="From"/> to <see cref="To"/> tokens (inclusive).</summary>
public sealed record LengthBucket(int From, int To, int Count);

public sealed record TextLengths(int Min, int Median, int P90, int P99, int Max, double Mean)
{
    public static TextLengths Of(IReadOnlyCollection<int> lengths)
    {
        if (lengths.Count == 0) return new TextLengths(0, 0, 0, 0, 0, 0);
        int[] sorted = [.. lengths.Order()];
        int Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new TextLengths(sorted[0], Rank(0.5), Rank(0.9), Rank(0.99), sorted[^1], sorted.Average());
    }
}
