using System.Text.Json;
using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class FeatureStandardizationTests
{
    [Fact]
    public void Per_feature_statistics_are_the_population_mean_and_deviation()
    {
        // Feature 0: 1, 3 → mean 2, std 1. Feature 1: 2, 6 → mean 4, std 2.
        var data = new Dataset("d", [1, 2, 3, 6], [2], [0, 1], ["a", "b"]);
        var s = FeatureStandardization.Fit(data, StandardizationMode.PerFeature);
        Assert.Equal([2f, 4f], s.Mean);
        Assert.Equal([1f, 2f], s.Std);
        Assert.Equal([-1f, -1f, 1f, 1f], s.Apply(data).Features.ToArray());
    }

    [Fact]
    public void Per_channel_statistics_pool_every_pixel_of_a_channel()
    {
        // Shape [2,1,2]. Channel 0 holds 0,2 and 4,6 → mean 3, variance (9+1+1+9)/4 = 5. Channel 1 is constant 10.
        var data = new Dataset("img", [0, 2, 10, 10, 4, 6, 10, 10], [2, 1, 2], [0, 0], ["a"]);
        var s = FeatureStandardization.Fit(data, StandardizationMode.PerChannel);
        Assert.Equal([3f, 10f], s.Mean);
        Assert.Equal(MathF.Sqrt(5), s.Std[0], 6);
        Assert.Equal(1f, s.Std[1]);
        var standardised = s.Apply(data).Features.ToArray();
        Assert.Equal(-3 / MathF.Sqrt(5), standardised[0], 6);
        Assert.Equal(0f, standardised[2]);
        Assert.Equal(3 / MathF.Sqrt(5), standardised[5], 6);
    }

    [Fact]
    public void A_constant_feature_keeps_a_deviation_of_one()
    {
        var data = new Dataset("d", [5, 1, 5, 2, 5, 3], [2], [0, 0, 0], ["a"]);
        var s = FeatureStandardization.Fit(data, StandardizationMode.PerFeature);
        Assert.Equal(1f, s.Std[0]);
        Assert.Equal([0f, 0f, 0f], s.Apply(data).Features.ToArray().Where((_, i) => i % 2 == 0));
    }

    [Fact]
    public void Statistics_come_from_the_training_part_only()
    {
        var values = Enumerable.Range(0, 100).Select(i => (float)(i * i % 37)).ToArray();
        var data = new Dataset("d", values, [1], [.. Enumerable.Range(0, 100).Select(i => i % 2)], ["a", "b"]);
        var split = DatasetSplit.Split(data, 0.2, 0.2, seed: 8);
        var s = FeatureStandardization.Fit(split.Train, StandardizationMode.PerFeature);

        var train = split.Train.Features.ToArray().Select(v => (double)v).ToArray();
        var mean = train.Average();
        var std = Math.Sqrt(train.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(mean, s.Mean[0], 4);
        Assert.Equal(std, s.Std[0], 4);
        Assert.NotEqual(values.Average(), s.Mean[0], 2);

        var test = s.Apply(split.Test!);
        Assert.Equal((split.Test!.Features[0] - mean) / std, test.Features[0], 4);
        Assert.Equal(split.Test.Labels.ToArray(), test.Labels.ToArray());
    }

    [Fact]
    public void Apply_leaves_the_input_unchanged()
    {
        var data = new Dataset("d", [1, 2, 3, 6], [2], [0, 1], ["a", "b"]);
        var s = FeatureStandardization.Fit(data, StandardizationMode.PerFeature);
        _ = s.Apply(data);
        Assert.Equal([1f, 2f, 3f, 6f], data.Features.ToArray());
    }

    [Fact]
    public void Statistics_survive_a_json_round_trip_with_the_model()
    {
        var data = new Dataset("img", [0, 2, 10, 11, 4, 6, 10, 13], [2, 1, 2], [0, 0], ["a"]);
        var s = FeatureStandardization.Fit(data, StandardizationMode.PerChannel);
        var back = JsonSerializer.Deserialize<FeatureStandardization>(JsonSerializer.Serialize(s))!;
        Assert.Equal(s.Mode, back.Mode);
        Assert.Equal(s.SampleShape, back.SampleShape);
        Assert.Equal(s.Mean, back.Mean);
        Assert.Equal(s.Std, back.Std);
    }

    [Fact]
    public void Mismatched_shapes_and_modes_are_refused_with_the_shapes()
    {
        var flat = new Dataset("flat", [1, 2, 3, 4], [2], [0, 0], ["a"]);
        var e = Assert.Throws<ArgumentException>(() => FeatureStandardization.Fit(flat, StandardizationMode.PerChannel));
        Assert.Contains("[2]", e.Message);
        var s = FeatureStandardization.Fit(flat, StandardizationMode.PerFeature);
        var wider = new Dataset("wider", [1, 2, 3], [3], [0], ["a"]);
        e = Assert.Throws<ArgumentException>(() => s.Apply(wider));
        Assert.Contains("'wider' has 3 features", e.Message);
    }
}
