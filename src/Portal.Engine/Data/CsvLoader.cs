using System.Globalization;

namespace Portal.Engine.Data;

/// <summary>
/// Reads a CSV file as a dataset of [D] samples: every column but the label column is a numeric feature.
/// </summary>
/// <remarks>
/// For classification, class names are <see cref="CsvOptions.ClassNames"/> when given (every label must be one of
/// them), otherwise the distinct labels sorted: numerically when every label is an integer (so "2" comes before
/// "10"), otherwise by ordinal string order; a label's index is its place in that order. This does not depend on the
/// order of the rows, so any slice of the same file gets the same mapping for the same classes.
/// Labels are trimmed of surrounding spaces. Numbers use the invariant culture ('.' decimal point, exponents allowed);
/// NaN and infinities are refused. Messages name the 1-based physical line in the file where the record starts.
/// We parse CSV ourselves (see <see cref="CsvRecordReader"/>) rather than with CsvHelper: the format we accept is
/// small, and we need exact physical line numbers and our own messages for every failure.
/// </remarks>
public static class CsvLoader
{
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return Load(reader, Path.GetFileNameWithoutExtension(path), options, path);
    }

    /// <param name="name">The dataset's name.</param>
    /// <param name="source">What the text is, for error messages; the name when not given.</param>
    public static Dataset Load(TextReader reader, string name, CsvOptions? options = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        source ??= name;
        Validate(options, source);

        var records = new CsvRecordReader(reader.ReadToEnd(), options.Delimiter, source);
        var skipped = records.SkipLines(options.SkipLines);
        var fields = new List<string>();
        if (!records.TryRead(fields, out var firstLine))
            throw new DatasetFormatException(options.SkipLines > 0
                ? $"'{source}' is empty: nothing follows the {skipped} skipped line{(skipped == 1 ? "" : "s")}."
                : $"'{source}' is empty.");

        string[]? header = null;
        var columnsLine = firstLine;
        var pending = true;
        if (options.HasHeader is null && fields.All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw new DatasetFormatException(
                $"'{source}' line {firstLine} holds only numbers: it may be a header or the first data row. Say which with the header option (true: it names the columns; false: it is data).");
        if (options.HasHeader != false)
        {
            header = [.. fields.Select(f => f.Trim())];
            pending = false;
        }
        var columnCount = fields.Count;
        var label = LabelIndex(options, header, columnCount, source, columnsLine);
        if (columnCount < 2)
            throw new DatasetFormatException(
                $"'{source}' line {columnsLine} has {columnCount} column; a dataset needs the label column and at least one feature column.");

        var features = new List<float>();
        var labelTexts = new List<string>();
        var targets = new List<float>();
        var line = firstLine;
        while (pending || records.TryRead(fields, out line))
        {
            pending = false;
            if (fields.Count != columnCount)
                throw new DatasetFormatException(header is not null
                    ? $"'{source}' line {line} has {fields.Count} field{(fields.Count == 1 ? "" : "s")}; the header (line {columnsLine}) has {columnCount}."
                    : $"'{source}' line {line} has {fields.Count} field{(fields.Count == 1 ? "" : "s")}; the first row (line {columnsLine}) has {columnCount}.");
            for (var c = 0; c < columnCount; c++)
            {
                if (c == label)
                {
                    if (options.Task == CsvTask.Regression)
                        targets.Add(ParseNumber(fields[c], source, line, header, c));
                    else
                    {
                        var text = fields[c].Trim();
                        if (text.Length == 0)
                            throw new DatasetFormatException($"'{source}' line {line}, {Column(header, c)}: the label is missing.");
                        labelTexts.Add(text);
                    }
                }
                else
                    features.Add(ParseNumber(fields[c], source, line, header, c));
            }
        }

        var rows = options.Task == CsvTask.Regression ? targets.Count : labelTexts.Count;
        if (rows == 0)
            throw new DatasetFormatException($"'{source}' has a header (line {columnsLine}) but no data rows.");
        var shape = new[] { columnCount - 1 };
        if (options.Task == CsvTask.Regression)
            return new Dataset(name, [.. features], shape, [.. targets], 1);
        var (labels, classNames) = options.ClassNames is { } given ? LabelCoding.Given(labelTexts, given, source) : LabelCoding.Sorted(labelTexts);
        return new Dataset(name, [.. features], shape, labels, classNames);
    }

    private static void Validate(CsvOptions options, string source)
    {
        if (options.LabelColumn is not null && options.LabelColumnIndex is not null)
            throw new ArgumentException($"Reading '{source}': give the label column by name or by index, not both.", nameof(options));
        if (options.LabelColumn is not null && options.HasHeader == false)
            throw new ArgumentException($"Reading '{source}': the label column '{options.LabelColumn}' is named, but the file is read without a header.", nameof(options));
        if (options.SkipLines < 0)
            throw new ArgumentException($"Reading '{source}': cannot skip {options.SkipLines} lines.", nameof(options));
        if (options.ClassNames is { } names)
        {
            if (options.Task == CsvTask.Regression)
                throw new ArgumentException($"Reading '{source}': class names are given, but the task is regression.", nameof(options));
            if (names.Count == 0 || names.Any(string.IsNullOrWhiteSpace))
                throw new ArgumentException($"Reading '{source}': the class names must be one or more non-blank names.", nameof(options));
            if (names.Select(n => n.Trim()).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new ArgumentException($"Reading '{source}': the class names name '{twice.Key}' twice.", nameof(options));
        }
        if (options.Delimiter is '"' or '\r' or '\n' or ' ')
            throw new ArgumentException($"Reading '{source}': U+{(int)options.Delimiter:X4} cannot be the delimiter (quotes, line breaks and spaces have other meanings).", nameof(options));
    }

    private static int LabelIndex(CsvOptions options, string[]? header, int columnCount, string source, int line)
    {
        if (options.LabelColumn is { } name)
        {
            var matches = Enumerable.Range(0, columnCount).Where(i => header![i] == name.Trim()).ToList();
            return matches.Count switch
            {
                1 => matches[0],
                0 => throw new DatasetFormatException(
                    $"'{source}' has no column named '{name}' (header on line {line}); its columns are {string.Join(", ", header!.Select(h => $"'{h}'"))}."),
                _ => throw new DatasetFormatException(
                    $"'{source}' names {matches.Count} columns '{name}' (header on line {line}: columns {string.Join(", ", matches.Select(i => i + 1))}); the label column must be unique."),
            };
        }
        var index = options.LabelColumnIndex ?? columnCount - 1;
        if (index < 0 || index >= columnCount)
            throw new DatasetFormatException(
                $"Label column index {index} is outside the {columnCount} columns of '{source}' (line {line}); indices run from 0 to {columnCount - 1}.");
        return index;
    }

    private static string Column(string[]? header, int index) => header is not null && header[index].Length > 0
        ? $"column '{header[index]}' ({index + 1})"
        : $"column {index + 1}";

    private static float ParseNumber(string text, string source, int line, string[]? header, int column)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new DatasetFormatException($"'{source}' line {line}, {Column(header, column)}: the value is missing.");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw new DatasetFormatException($"'{source}' line {line}, {Column(header, column)}: '{text}' is not a number.");
        var single = (float)value;
        if (!float.IsFinite(single))
            throw new DatasetFormatException($"'{source}' line {line}, {Column(header, column)}: '{text}' is not a finite 32-bit number.");
        return single;
    }
}
