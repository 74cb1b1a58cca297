using System.Globalization;

namespace Portal.Engine.Data;

/// <summary>
/// How a file's label texts become class indices, the same for every loader: in the order of given class names, or
/// sorted (numerically when every label is an integer, so "2" comes before "10", else ordinally), which does not
/// depend on the order of the rows.
/// </summary>
internal static class LabelCoding
{
    /// <summary>Each row's index among the given class names, in their order.</summary>
    public static (int[] Labels, string[] ClassNames) Given(IReadOnlyList<string> texts, IReadOnlyList<string> given, string source)
    {
        string[] names = [.. given.Select(n => n.Trim())];
        var byName = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var labels = new int[texts.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            if (!byName.TryGetValue(texts[i], out labels[i]))
                throw new DatasetFormatException(
                    $"'{source}' has the label '{texts[i]}', which is not among the given class names [{string.Join(", ", names)}].");
        }
        return (labels, names);
    }

    /// <summary>Class names sorted (numerically if all are integers, else ordinally) and each row's index among them.</summary>
    public static (int[] Labels, string[] ClassNames) Sorted(IReadOnlyList<string> texts)
    {
        var numeric = new long[texts.Count];
        var allIntegers = true;
        for (var i = 0; i < texts.Count && allIntegers; i++)
            allIntegers = long.TryParse(texts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numeric[i]);

        var labels = new int[texts.Count];
        if (allIntegers)
        {
            var distinct = numeric.Distinct().Order().ToArray();
            var index = distinct.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
            for (var i = 0; i < labels.Length; i++) labels[i] = index[numeric[i]];
            return (labels, [.. distinct.Select(v => v.ToString(CultureInfo.InvariantCulture))]);
        }
        var names = texts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var byName = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        for (var i = 0; i < labels.Length; i++) labels[i] = byName[texts[i]];
        return (labels, names);
    }
}
