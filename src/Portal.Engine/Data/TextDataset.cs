namespace Portal.Engine.Data;

/// <summary>
/// Labelled texts: sample i is <see cref="Texts"/>[i] with class <see cref="Labels"/>[i], an index into
/// <see cref="ClassNames"/>. Immutable once built. A network takes it through a <see cref="WordTokenizer"/>, as token
/// ids (<see cref="TextEncoding.TokenIds"/>) or word counts (<see cref="TextEncoding.BagOfWords"/>).
/// </summary>
public sealed class TextDataset
{
    private readonly string[] _texts;
    private readonly int[] _labels;

    public TextDataset(string name, IReadOnlyList<string> texts, IReadOnlyList<int> labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (labels.Count != texts.Count) throw new ArgumentException($"{labels.Count} labels for {texts.Count} texts.", nameof(labels));
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"Label {labels[i]} of text {i} is outside the {classNames.Count} classes.", nameof(labels));
        }
        Name = name;
        _texts = [.. texts];
        _labels = [.. labels];
        ClassNames = [.. classNames];
    }

    public string Name { get; }
    public int Count => _texts.Length;
    public IReadOnlyList<string> Texts => _texts;
    public ReadOnlySpan<int> Labels => _labels;
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The texts at <paramref name="indices"/>, in that order.</summary>
    public TextDataset Select(IReadOnlyList<int> indices, string? name = null) =>
        new(name ?? Name, [.. indices.Select(i => _texts[i])], [.. indices.Select(i => _labels[i])], ClassNames);

    /// <summary>
    /// A stratified seeded cut into training and test texts, by <see cref="DatasetSplit.Split"/>'s rule (the same
    /// texts, fraction and seed give the same parts; each part keeps the original order).
    /// </summary>
    public (TextDataset Train, TextDataset Test) Split(double testFraction, int seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in (0, 1).");
        var (train, _, test) = DatasetSplit.Indices(DatasetSplit.ByClass(_labels, ClassNames.Count), Count, 0, testFraction, seed);
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException($"A test fraction of {testFraction} leaves an empty part of the {Count} texts of '{Name}'.");
        return (Select(train, $"{Name}-train"), Select(test, $"{Name}-test"));
    }
}
