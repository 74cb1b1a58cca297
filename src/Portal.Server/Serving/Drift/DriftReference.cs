namespace Portal.Server.Serving.Drift;

/// <summary>
/// What a version's traffic is compared with: the share of its evaluation data in each input bin
/// (<see cref="Bins"/>, flat over features) and the share of each class among the version's own predictions on that data.
/// </summary>
public sealed class DriftReference
{
    private DriftReference(FeatureBins bins, double[] inputShares, double[]? classShares, int samples, string source)
    {
        Bins = bins;
        InputShares = inputShares;
        ClassShares = classShares;
        Samples = samples;
        Source = source;
    }

    public FeatureBins Bins { get; }

    /// <summary>Per feature, the share of reference samples in each of its bins (each feature's shares sum to 1).</summary>
    public double[] InputShares { get; }

    /// <summary>The share of each predicted class; null when the version's outputs are not classes.</summary>
    public double[]? ClassShares { get; }

    public int Samples { get; }

    /// <summary>Where the reference came from (the evaluation dataset's name), for the drift event.</summary>
    public string Source { get; }

    public int ClassCount => ClassShares?.Length ?? 0;

    /// <summary>What each feature is, when they are not the model's own inputs (a text version's <see cref="TextFeatures"/>); null otherwise.</summary>
    public IReadOnlyList<string>? FeatureNames { get; private init; }

    /// <summary>Whether live rows are token ids to be read as <see cref="TextFeatures"/> before they are binned.</summary>
    public bool IsText => FeatureNames is not null;

    /// <summary>The reference of a text version: its evaluation texts' <see cref="TextFeatures"/>, rows of token ids <paramref name="length"/> long.</summary>
    public static DriftReference ForText(ReadOnlySpan<float> ids, int length, ReadOnlySpan<long> predictedClassCounts, string source)
    {
        var features = Build(TextFeatures.Rows(ids, length), TextFeatures.Count, predictedClassCounts, source);
        return new DriftReference(features.Bins, features.InputShares, features.ClassShares, features.Samples, source) { FeatureNames = TextFeatures.Names };
    }

    /// <param name="samples">Reference inputs, row-major, <paramref name="featureCount"/> values a row.</param>
    /// <param name="predictedClassCounts">How many reference samples the version predicted as each class; empty for no class distribution.</param>
    public static DriftReference Build(ReadOnlySpan<float> samples, int featureCount, ReadOnlySpan<long> predictedClassCounts, string source)
    {
        var bins = FeatureBins.FromReference(samples, featureCount);
        var count = samples.Length / featureCount;
        var counts = new long[bins.TotalBins];
        for (var i = 0; i < count; i++) bins.Count(samples.Slice(i * featureCount, featureCount), counts);
        var inputShares = new double[counts.Length];
        for (var b = 0; b < counts.Length; b++) inputShares[b] = (double)counts[b] / count;

        double[]? classShares = null;
        if (!predictedClassCounts.IsEmpty)
        {
            long predicted = 0;
            foreach (var c in predictedClassCounts) predicted += c;
            if (predicted != count)
                throw new ArgumentException($"The predicted class counts add up to {predicted}, but the reference has {count} samples.");
            classShares = new double[predictedClassCounts.Length];
            for (var c = 0; c < classShares.Length; c++) classShares[c] = (double)predictedClassCounts[c] / count;
        }
        return new DriftReference(bins, inputShares, classShares, count, source);
    }
}
