namespace Portal.PowerShell.Tests;

/// <summary>
/// Reads back the objects PowerShell printed, as label → text: rows of tables (a header, which a narrow console wraps
/// over several lines, a line of dashes, then the rows) and lists (one "Label : value" line per property, a blank line
/// after each object).
/// </summary>
public static class PrintedObjects
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Read(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var objects = new List<IReadOnlyDictionary<string, string>>();
        var i = 0;
        while (i < lines.Length)
        {
            if (lines[i].Trim().Length == 0)
            {
                i++;
                continue;
            }
            var end = i;
            while (end < lines.Length && lines[end].Trim().Length > 0) end++;
            var block = lines[i..end];
            var dashes = Array.FindIndex(block, IsDashes);
            if (dashes > 0) objects.AddRange(TableRows(block, dashes));
            else if (ListObject(block) is { } listed) objects.Add(listed);
            i = end;
        }
        return objects;
    }

    private static bool IsDashes(string line) => line.Contains('-', StringComparison.Ordinal) && line.All(c => c is '-' or ' ');

    private static IEnumerable<IReadOnlyDictionary<string, string>> TableRows(string[] block, int dashes)
    {
        var starts = new List<int>();
        for (var c = 0; c < block[dashes].Length; c++)
        {
            if (block[dashes][c] == '-' && (c == 0 || block[dashes][c - 1] == ' ')) starts.Add(c);
        }
        var labels = starts.Select((_, column) => string.Concat(block[..dashes].Select(line => Cell(line, starts, column)))).ToList();
        return block[(dashes + 1)..].Select(row => (IReadOnlyDictionary<string, string>)labels
            .Select((label, column) => (label, value: Cell(row, starts, column)))
            .ToDictionary(c => c.label, c => c.value));
    }

    private static string Cell(string line, List<int> starts, int column)
    {
        var from = Math.Min(starts[column], line.Length);
        var to = column + 1 < starts.Count ? Math.Min(starts[column + 1], line.Length) : line.Length;
        return line[from..to].Trim();
    }

    /// <summary>One listed object; null if the block is not a list (plain text a script wrote).</summary>
    private static Dictionary<string, string>? ListObject(string[] block)
    {
        var properties = new Dictionary<string, string>();
        string? last = null;
        foreach (var line in block)
        {
            var colon = line.IndexOf(" : ", StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith(' '))
            {
                last = line[..colon].Trim();
                properties[last] = line[(colon + 3)..].Trim();
            }
            else if (last is not null && line.StartsWith(' '))
            {
                properties[last] += " " + line.Trim();
            }
            else
            {
                return null;
            }
        }
        return properties;
    }
}
