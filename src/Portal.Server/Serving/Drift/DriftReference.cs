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
