namespace Portal.Client.Models;

/// <summary>How a CSV upload is read; null fields take the server's defaults.</summary>
public sealed record CsvImportOptions
{
    /// <summary><c>classification</c> or <c>regression</c>.</summary>
    public string? Task { get; init; }
    public string? LabelColumn { get; init; }
    public int? LabelColumnIndex { get; init; }
    public string? Delimiter { get; init; }

    /// <summary>Whether the first line names the columns (the server's default: true, but a first line of numbers only must be said).</summary>
    public bool? Header { get; init; }
    public int? SkipLines { get; init; }

    /// <summary>Classification: the class names in label order (label 0 first); every label must be one of them. Default: the labels sorted.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}

/// <summary>How a text upload is read and its vocabulary built; null fields take the server's defaults.</summary>
public sealed record TextImportOptions
{
    /// <summary><c>csv</c> (default) or <c>jsonl</c>.</summary>
    public string? Format { get; init; }

    /// <summary>The CSV column or JSON field holding the text (default <c>text</c>).</summary>
    public string? TextColumn { get; init; }

    /// <summary>The CSV column or JSON field holding the class (default <c>label</c>).</summary>
    public string? LabelColumn { get; init; }
    public string? Delimiter { get; init; }

    /// <summary>A word enters the vocabulary when the texts hold it at least this often.</summary>
    public int? MinCount { get; init; }

    /// <summary>The most token ids, padding and unknown included.</summary>
    public int? MaxVocabulary { get; init; }

    /// <summary>The name of a text dataset whose tokenizer to take instead of building one (a test set takes its training set's).</summary>
    public string? VocabularyFrom { get; init; }
}
