using System.Text.Json.Serialization;

namespace Portal.Engine.Data;

[JsonConverter(typeof(JsonStringEnumConverter<CsvTask>))]
public enum CsvTask
{
    /// <summary>The label column holds classes (strings or integers), mapped to indices in sorted order or in <see cref="CsvOptions.ClassNames"/>' order.</summary>
    Classification,

    /// <summary>The label column holds numbers, kept as float targets of width 1.</summary>
    Regression,
}

/// <summary>
/// How to read a CSV file as a dataset. The label column is chosen by <see cref="LabelColumn"/> (a header name) or
/// <see cref="LabelColumnIndex"/> (0-based), not both; with neither, it is the last column. Every other column is a
/// numeric feature.
/// </summary>
public sealed record CsvOptions
{
    public string? LabelColumn { get; init; }
    public int? LabelColumnIndex { get; init; }

    /// <summary>
    /// Whether the first line after the skipped ones names the columns. Null: it does, unless every field in it is a
    /// number, which is refused as ambiguous (a header of numbers, or a first data row?) rather than guessed.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>Physical lines to ignore at the start of the file (a preamble or comments), before any header.</summary>
    public int SkipLines { get; init; }

    public char Delimiter { get; init; } = ',';
    public CsvTask Task { get; init; } = CsvTask.Classification;

    /// <summary>
    /// For classification, the classes in label order (label 0 first): every label must be one of them. Null: the
    /// distinct labels, sorted.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}
