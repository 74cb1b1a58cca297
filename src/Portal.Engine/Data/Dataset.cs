namespace Portal.Engine.Data;

/// <summary>
/// Samples as float32 features (row-major, N × product(SampleShape)) with either class indices
/// (classification) or float targets (regression, N × TargetWidth). Immutable once built.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[]? _labels;
    private readonly float[]? _targets;

    public Dataset(string name, float[] features, IReadOnlyList<int> sampleShape, int[] labels, IReadOnlyList<string> classNames)
        : this(name, features, sampleShape, labels, classNames, null, 0)
    {
    }

    public Dataset(string name, float[] features, IReadOnlyList<int> sampleShape, float[] targets, int targetWidth)
        : this(name, features, sampleShape, null, [], targets, targetWidth)
    {
    }

    private Dataset(string name, float[] features, IReadOnlyList<int> sampleShape, int[]? labels, IReadOnlyList<string> classNames, float[]? targets, int targetWidth)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (sampleShape.Count == 0 || sampleShape.Any(d => d <= 0))
            throw new ArgumentException($"Sample shape [{string.Join(',', sampleShape)}] must have positive dimensions.", nameof(sampleShape));
        var featureCount = sampleShape.Aggregate(1, (a, b) => checked(a * b));
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of samples of {featureCount} values.", nameof(features));
        var count = features.Length / featureCount;
        if (labels is not null)
        {
            if (labels.Length != count)
                throw new ArgumentException($"{labels.Length} labels for {count} samples.", nameof(labels));
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] < 0 || labels[i] >= classNames.Count)
                    throw new ArgumentException($"Label {labels[i]} of sample {i} is outside the {classNames.Count} classes.", nameof(labels));
            }
        }
        if (targets is not null && (targetWidth <= 0 || targets.Length != count * targetWidth))
            throw new ArgumentException($"{targets.Length} target values for {count} samples of width {targetWidth}.", nameof(targets));

        Name = name;
        _features = features;
        SampleShape = [.. sampleShape];
        FeatureCount = featureCount;
        Count = count;
        _labels = labels;
        ClassNames = [.. classNames];
        _targets = targets;
        TargetWidth = targetWidth;
    }

    public string Name { get; }
    public int Count { get; }
    public IReadOnlyList<int> SampleShape { get; }
    public int FeatureCount { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int TargetWidth { get; }
    public bool IsClassification => _labels is not null;

    public ReadOnlySpan<float> Features => _features;
    public ReadOnlySpan<float> Sample(int index) => _features.AsSpan(index * FeatureCount, FeatureCount);
    public ReadOnlySpan<int> Labels => _labels ?? throw new InvalidOperationException($"Dataset '{Name}' has float targets, not class labels.");
    public ReadOnlySpan<float> Targets => _targets ?? throw new InvalidOperationException($"Dataset '{Name}' has class labels, not float targets.");

    /// <summary>The backing arrays, for the engine's own zero-copy tensor creation.</summary>
    internal float[] FeatureArray => _features;
    internal int[]? LabelArray => _labels;
    internal float[]? TargetArray => _targets;

    /// <summary>A new dataset holding copies of the samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Select(ReadOnlySpan<int> indices, string? name = null)
    {
        var features = new float[indices.Length * FeatureCount];
        for (var i = 0; i < indices.Length; i++)
            Sample(indices[i]).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
        if (_labels is not null)
        {
            var labels = new int[indices.Length];
            for (var i = 0; i < indices.Length; i++) labels[i] = _labels[indices[i]];
            return new Dataset(name ?? Name, features, SampleShape, labels, ClassNames);
        }
        var targets = new float[indices.Length * TargetWidth];
        for (var i = 0; i < indices.Length; i++)
            _targets.AsSpan(indices[i] * TargetWidth, TargetWidth).CopyTo(targets.AsSpan(i * TargetWidth, TargetWidth));
        return new Dataset(name ?? Name, features, SampleShape, targets, TargetWidth);
    }

    /// <summary>The same labels or targets over new features of the same shape.</summary>
    internal Dataset WithFeatures(float[] features) => _labels is not null
        ? new Dataset(Name, features, SampleShape, _labels, ClassNames)
        : new Dataset(Name, features, SampleShape, _targets!, TargetWidth);
}
