using Portal.Engine.Data;

namespace Portal.Engine.Onnx;

/// <summary>
/// Standardisation statistics as the graph applies them, in the model's view of a sample. The statistics are
/// fitted in the data's own sample shape ([C,H,W] for per-channel), which the model may view differently
/// ([784]); only the feature count must agree.
/// </summary>
internal sealed record StandardizationConstants(float[] Mean, float[] Std, long[] Dims)
{
    public static StandardizationConstants For(FeatureStandardization s, IReadOnlyList<int> inputShape)
    {
        var featureCount = inputShape.Aggregate(1, (a, b) => a * b);
        var sampleCount = s.SampleShape.Aggregate(1, (a, b) => a * b);
        if (sampleCount != featureCount)
            throw new ArgumentException($"The standardisation was fitted on samples [{string.Join(',', s.SampleShape)}] ({sampleCount} features) but the model takes [{string.Join(',', inputShape)}] ({featureCount} features).");
        var groups = s.Mode switch
        {
            StandardizationMode.PerFeature => featureCount,
            StandardizationMode.PerChannel when s.SampleShape.Count == 3 => s.SampleShape[0],
            StandardizationMode.PerChannel => throw new ArgumentException($"Per-channel standardisation needs [C,H,W] samples, not [{string.Join(',', s.SampleShape)}]."),
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.Mode, "Unknown standardisation mode."),
        };
        if (s.Mean.Length != groups || s.Std.Length != groups)
            throw new ArgumentException($"The {s.Mode} standardisation of [{string.Join(',', s.SampleShape)}] needs {groups} means and deviations, not {s.Mean.Length} and {s.Std.Length}.");
        for (var i = 0; i < groups; i++)
        {
            if (!(s.Std[i] > 0) || !float.IsFinite(s.Std[i]) || !float.IsFinite(s.Mean[i]))
                throw new ArgumentException($"Standardisation entry {i} has mean {s.Mean[i]} and std {s.Std[i]}; std must be positive and both finite.");
        }

        // Per channel in the model's own [C,H,W] view: one constant per channel, broadcast over height and width.
        if (s.Mode == StandardizationMode.PerChannel && inputShape.SequenceEqual(s.SampleShape))
            return new StandardizationConstants(s.Mean, s.Std, [groups, 1, 1]);
        var (mean, std) = PerFeature(s, featureCount);
        return new StandardizationConstants(mean, std, [.. inputShape.Select(d => (long)d)]);
    }

    /// <summary>One mean and deviation per feature, in row-major order of the sample.</summary>
    public static (float[] Mean, float[] Std) PerFeature(FeatureStandardization s, int featureCount)
    {
        if (s.Mode == StandardizationMode.PerFeature) return (s.Mean, s.Std);
        var perGroup = featureCount / s.Mean.Length;
        var mean = new float[featureCount];
        var std = new float[featureCount];
        for (var f = 0; f < featureCount; f++)
        {
            mean[f] = s.Mean[f / perGroup];
            std[f] = s.Std[f / perGroup];
        }
        return (mean, std);
    }
}
