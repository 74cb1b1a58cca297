using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Contracts.Datasets;

[JsonConverter(typeof(JsonStringEnumConverter<DatasetFormat>))]
public enum DatasetFormat
{
    /// <summary>Images and labels as two IDX files (raw or gzip).</summary>
    Idx,
    Csv,

    /// <summary>Read in place from a Debian package (Fashion-MNIST, the fortunes).</summary>
    Builtin,

    /// <summary>Labelled texts from a CSV or JSON Lines file, with the word tokenizer built from them.</summary>
    Text,
}

/// <summary>
/// A dataset: its shape, its classes in label order (label i is the i-th name), its files and, for a CSV, the options
/// its import used. A text dataset has no fixed sample shape (empty): it has a tokenizer (the artifact of its word
/// vocabulary, which a token spec's length turns into ids) and the options its import used.
/// </summary>
public sealed record DatasetView(
    Guid Id, string Name, DatasetFormat Format, int[] SampleShape, int Count, string[] ClassNames,
    string? PrimaryArtifact, string? LabelsArtifact, string? Source, JsonElement? CsvOptions, string CreatedBy, DateTimeOffset CreatedAt,
    string? TokenizerArtifact = null, JsonElement? TextOptions = null, string? Description = null);

/// <summary>A text dataset through its tokenizer: token lengths, how much the vocabulary covers, class balance.</summary>
/// <param name="TokenCoverage">Share of the tokens in the vocabulary; for a test set whose tokenizer came from its training set, the coverage of held-out text.</param>
/// <param name="WordCoverage">Share of the distinct words in the vocabulary.</param>
public sealed record TextStatisticsView(
    Guid DatasetId, string Name, int Texts, TextLengthsView Lengths, IReadOnlyList<LengthBucketView> LengthHistogram,
    long Tokens, long UnknownTokens, double TokenCoverage, int DistinctWords, double WordCoverage, int VocabularySize,
    IReadOnlyList<ClassCountView> Classes);

/// <summary>Token counts per text: minimum, median, 90th and 99th percentile, maximum, mean.</summary>
public sealed record TextLengthsView(int Min, int Median, int P90, int P99, int Max, double Mean);

/// <summary>Texts of From to To tokens (inclusive).</summary>
public sealed record LengthBucketView(int From, int To, int Count);

public sealed record ClassCountView(string Name, int Count);
