using System.Text.Json;

namespace Portal.Engine.Data;

/// <summary>
/// Reads labelled texts from CSV or JSON Lines bytes. The bytes must be UTF-8 (a byte-order mark is allowed): other
/// bytes are refused with the line they are on, never replaced. Every message names the source and the 1-based line
/// where the row starts, and the column or field at fault. Class names are the distinct labels sorted, as for CSV
/// features (<see cref="LabelCoding"/>).
/// </summary>
public static class TextFileReader
{
    public static TextDataset Read(ReadOnlySpan<byte> content, string name, TextImportOptions? options = null, string? source = null)
    {
        options ??= new TextImportOptions();
        source ??= name;
        if (string.IsNullOrWhiteSpace(options.TextColumn) || string.IsNullOrWhiteSpace(options.LabelColumn))
            throw new ArgumentException($"Reading '{source}': the text and label columns must be named.", nameof(options));
        if (options.TextColumn.Trim() == options.LabelColumn.Trim())
            throw new ArgumentException($"Reading '{source}': the text and the label cannot both be column '{options.TextColumn}'.", nameof(options));
        var text = StrictUtf8.Decode(content, source);
        var (texts, labels) = options.Format switch
        {
            TextFileFormat.Csv => ReadCsv(text, options, source),
            TextFileFormat.JsonLines => ReadJsonLines(text, options, source),
            _ => throw new ArgumentException($"Reading '{source}': unknown text file format {options.Format}.", nameof(options)),
        };
        if (texts.Count == 0) throw new DatasetFormatException($"'{source}' holds no rows.");
        var (indices, classNames) = LabelCoding.Sorted(labels);
        return new TextDataset(name, texts, indices, classNames);
    }

    private static (List<string> Texts, List<string> Labels) ReadCsv(string content, TextImportOptions options, string source)
    {
        var records = new CsvRecordReader(content, options.Delimiter, source);
        var fields = new List<string>();
        if (!records.TryRead(fields, out var headerLine)) throw new DatasetFormatException($"'{source}' is empty.");
        string[] header = [.. fields.Select(f => f.Trim())];
        var textColumn = Column(header, options.TextColumn, source, headerLine);
        var labelColumn = Column(header, options.LabelColumn, source, headerLine);
        var texts = new List<string>();
        var labels = new List<string>();
        while (records.TryRead(fields, out var line))
        {
            if (fields.Count != header.Length)
                throw new DatasetFormatException(
                    $"'{source}' line {line} has {fields.Count} field{(fields.Count == 1 ? "" : "s")}; the header (line {headerLine}) has {header.Length}.");
            texts.Add(RequiredText(fields[textColumn], source, line, $"column '{header[textColumn]}'", "text"));
            labels.Add(RequiredText(fields[labelColumn], source, line, $"column '{header[labelColumn]}'", "label").Trim());
        }
        return (texts, labels);
    }

    private static int Column(string[] header, string name, string source, int line)
    {
        var matches = Enumerable.Range(0, header.Length).Where(i => header[i] == name.Trim()).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new DatasetFormatException(
                $"'{source}' has no column named '{name}' (header on line {line}); its columns are {string.Join(", ", header.Select(h => $"'{h}'"))}."),
            _ => throw new DatasetFormatException($"'{source}' names {matches.Count} columns '{name}' (header on line {line}); the column must be unique."),
        };
    }

    private static (List<string> Texts, List<string> Labels) ReadJsonLines(string content, TextImportOptions options, string source)
    {
        var texts = new List<string>();
        var labels = new List<string>();
        var lineNumber = 0;
        foreach (var raw in content.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (lineNumber == 1 && line.Length > 0 && line[0] == '\uFEFF') line = line[1..];
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new DatasetFormatException($"'{source}' line {lineNumber} is not a JSON object: {e.Message}", e);
            }
            using (document)
            {
                var row = document.RootElement;
                if (row.ValueKind != JsonValueKind.Object)
                    throw new DatasetFormatException($"'{source}' line {lineNumber} is a JSON {row.ValueKind.ToString().ToLowerInvariant()}, not an object.");
                var text = Field(row, options.TextColumn, source, lineNumber);
                if (text.ValueKind != JsonValueKind.String)
                    throw new DatasetFormatException($"'{source}' line {lineNumber}, field '{options.TextColumn}': the text must be a string, not a {text.ValueKind.ToString().ToLowerInvariant()}.");
                texts.Add(RequiredText(text.GetString()!, source, lineNumber, $"field '{options.TextColumn}'", "text"));
                var label = Field(row, options.LabelColumn, source, lineNumber);
                labels.Add(label.ValueKind switch
                {
                    JsonValueKind.String => RequiredText(label.GetString()!, source, lineNumber, $"field '{options.LabelColumn}'", "label").Trim(),
                    JsonValueKind.Number when label.TryGetInt64(out var number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => throw new DatasetFormatException(
                        $"'{source}' line {lineNumber}, field '{options.LabelColumn}': the label must be a string or an integer, not {label.GetRawText()}."),
                });
            }
        }
        return (texts, labels);
    }

    private static JsonElement Field(JsonElement row, string name, string source, int line) =>
        row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new DatasetFormatException($"'{source}' line {line} has no field '{name}'.");

    private static string RequiredText(string value, string source, int line, string where, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new DatasetFormatException($"'{source}' line {line}, {where}: the {what} is missing.") : value;
}
