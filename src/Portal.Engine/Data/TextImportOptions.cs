using System.Text.Json.Serialization;

namespace Portal.Engine.Data;

[JsonConverter(typeof(JsonStringEnumConverter<TextFileFormat>))]
public enum TextFileFormat
{
    /// <summary>CSV with a header naming the columns (RFC 4180 quoting, so a text may hold commas and line breaks).</summary>
    Csv,

    /// <summary>JSON Lines: one object per line; the text field a string, the label a string or an integer.</summary>
    JsonLines,
}

/// <summary>How to read a file of labelled texts: which column (CSV header name) or field (JSON Lines) holds the text, which the label.</summary>
public sealed record TextImportOptions
{
    public TextFileFormat Format { get; init; } = TextFileFormat.Csv;
    public string TextColumn { get; init; } = "text";
    public string LabelColumn { get; init; } = "label";

    /// <summary>The CSV delimiter; not used for JSON Lines.</summary>
    public char Delimiter { get; init; } = ',';
}
