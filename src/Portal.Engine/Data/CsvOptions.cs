using System.Text.Json.Serialization;

namespace Portal.Engine.Data;

[JsonConverter(typeof(JsonStringEnumConverter<CsvTask>))]
public enum CsvTask
{
    /// <summary>The label column holds classes (strings or integers), mapped to indices in sorted order.</summary>
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

    /// <summary>Whether the first line after the skipped ones names the columns.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>Physical lines to ignore at the start of the file (a preamble or comments), before any header.</summary>
    public int SkipLines { get; init; }

    public char Delimiter { get; init; } = ',';
    public CsvTask Task { get; init; } = CsvTask.Classification;
}
