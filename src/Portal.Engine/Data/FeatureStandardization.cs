using System.Text.Json.Serialization;

namespace Portal.Engine.Data;

[JsonConverter(typeof(JsonStringEnumConverter<StandardizationMode>))]
public enum StandardizationMode
{
    /// <summary>One mean and deviation per feature value (tabular data, or per pixel).</summary>
    PerFeature,

    /// <summary>One mean and deviation per channel of [C, H, W] samples.</summary>
    PerChannel,
}

/// <summary>
/// x' = (x − mean) / std, with statistics computed on the training split only and kept with the model
/// (the ONNX export folds them into the graph). A constant feature (std below 1e-6) keeps std = 1.
/// </summary>
public sealed record FeatureStandardization(StandardizationMode Mode, IReadOnlyList<int> SampleShape, float[] Mean, float[] Std)
{
    private const double MinimumStd = 1e-6;

    public static FeatureStandardization Fit(Dataset train, StandardizationMode mode)
    {
        if (train.Count == 0) throw new ArgumentException($"Cannot compute standardisation statistics of the empty dataset '{train.Name}'.");
        var groups = GroupCount(mode, train.SampleShape);
        var perGroup = train.FeatureCount / groups;
        var sum = new double[groups];
        var sumSq = new double[groups];
        var features = train.Features;
        for (var s = 0; s < train.Count; s++)
        {
            var sample = features.Slice(s * train.FeatureCount, train.FeatureCount);
            for (var f = 0; f < sample.Length; f++)
            {
                var g = mode == StandardizationMode.PerFeature ? f : f / perGroup;
                double v = sample[f];
                sum[g] += v;
                sumSq[g] += v * v;
            }
        }
        var n = (double)train.Count * perGroup;
        var mean = new float[groups];
        var std = new float[groups];
        for (var g = 0; g < groups; g++)
        {
            var m = sum[g] / n;
            var variance = Math.Max(0, sumSq[g] / n - m * m);
            var sd = Math.Sqrt(variance);
            mean[g] = (float)m;
            std[g] = sd < MinimumStd ? 1f : (float)sd;
        }
        return new FeatureStandardization(mode, [.. train.SampleShape], mean, std);
    }

    /// <summary>A new dataset with standardised features; the input is unchanged.</summary>
    public Dataset Apply(Dataset data)
    {
        if (data.FeatureCount != SampleShape.Aggregate(1, (a, b) => a * b))
            throw new ArgumentException($"Dataset '{data.Name}' has {data.FeatureCount} features per sample; the standardisation was fitted on [{string.Join(',', SampleShape)}].");
        var features = data.Features.ToArray();
        ApplyInPlace(features);
        return data.WithFeatures(features);
    }

    /// <summary>Standardises whole samples laid end to end in <paramref name="samples"/>.</summary>
    public void ApplyInPlace(Span<float> samples)
    {
        var featureCount = SampleShape.Aggregate(1, (a, b) => a * b);
        var perGroup = featureCount / Mean.Length;
        for (var start = 0; start + featureCount <= samples.Length; start += featureCount)
        {
            var sample = samples.Slice(start, featureCount);
            for (var f = 0; f < featureCount; f++)
            {
                var g = Mode == StandardizationMode.PerFeature ? f : f / perGroup;
                sample[f] = (sample[f] - Mean[g]) / Std[g];
            }
        }
    }

    private static int GroupCount(StandardizationMode mode, IReadOnlyList<int> shape) => mode switch
    {
        StandardizationMode.PerFeature => shape.Aggregate(1, (a, b) => a * b),
        StandardizationMode.PerChannel when shape.Count == 3 => shape[0],
        StandardizationMode.PerChannel => throw new ArgumentException($"Per-channel standardisation needs [C,H,W] samples, not [{string.Join(',', shape)}]."),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
