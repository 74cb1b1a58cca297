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
