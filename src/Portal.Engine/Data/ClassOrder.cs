namespace Portal.Engine.Data;

/// <summary>
/// Lines a labelled dataset up with the classes a model was trained on, by name: a dataset whose labels were coded in
/// another order (a CSV's string labels are sorted, the training set's may have been numbers) would otherwise be scored
/// against the wrong outputs, silently.
/// </summary>
public static class ClassOrder
{
    /// <summary>
    /// Why <paramref name="data"/>'s classes are not <paramref name="classes"/> (in any order), or null when they are.
    /// A model without class names (empty) is matched by count elsewhere.
    /// </summary>
    /// <param name="owner">What <paramref name="classes"/> belong to, for the message ("model 'digits' v3").</param>
    public static string? Mismatch(IReadOnlyList<string> classes, string owner, Dataset data) =>
        data.IsClassification ? Mismatch(classes, owner, data.ClassNames, data.Name) : null;

    /// <summary>The same check on a dataset known by its class names (a registered dataset's record).</summary>
    public static string? Mismatch(IReadOnlyList<string> classes, string owner, IReadOnlyList<string> dataClasses, string dataName)
    {
        if (classes.Count == 0 || dataClasses.Count == 0) return null;
        if (classes.Count == dataClasses.Count && new HashSet<string>(classes, StringComparer.Ordinal).SetEquals(dataClasses)) return null;
        return $"{owner} has the classes [{string.Join(", ", classes)}] but dataset '{dataName}' has [{string.Join(", ", dataClasses)}]";
    }

    /// <summary>
    /// <paramref name="data"/> with its labels renumbered so that label i means <paramref name="classes"/>[i]; the same
    /// dataset when the order already agrees or <paramref name="classes"/> is empty.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset's classes are not the same names (see <see cref="Mismatch"/>).</exception>
    public static Dataset Align(Dataset data, IReadOnlyList<string> classes, string owner)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Mismatch(classes, owner, data) is { } reason) throw new ArgumentException($"The classes differ: {reason}.");
        if (classes.Count == 0 || !data.IsClassification || classes.SequenceEqual(data.ClassNames, StringComparer.Ordinal)) return data;
        var target = classes.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var remap = data.ClassNames.Select(name => target[name]).ToArray();
        var labels = data.Labels;
        var aligned = new int[labels.Length];
        for (var i = 0; i < labels.Length; i++) aligned[i] = remap[labels[i]];
        return new Dataset(data.Name, data.FeatureArray, data.SampleShape, aligned, classes);
    }
}
