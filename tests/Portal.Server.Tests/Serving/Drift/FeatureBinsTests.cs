using Portal.Server.Serving.Drift;

namespace Portal.Server.Tests.Serving.Drift;

public sealed class FeatureBinsTests
{
    [Fact]
    public void Each_feature_is_cut_at_its_own_deciles()
    {
        // Feature 0 is 1..100, feature 1 is 1000..100 000 in steps of 1000: same ranks, different scales.
        var samples = new float[200];
        for (var i = 0; i < 100; i++) (samples[2 * i], samples[2 * i + 1]) = (i + 1, (i + 1) * 1000);

        var bins = FeatureBins.FromReference(samples, featureCount: 2);

        Assert.Equal([10f, 20, 30, 40, 50, 60, 70, 80, 90], bins.Edges(0).ToArray());
        Assert.Equal([10_000f, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000], bins.Edges(1).ToArray());
        Assert.Equal(20, bins.TotalBins);
        Assert.Equal((0, 10), (bins.FirstBin(0), bins.FirstBin(1)));
    }

    [Fact]
    public void A_value_on_an_edge_falls_in_the_bin_the_edge_closes()
    {
        ReadOnlySpan<float> edges = [10, 20, 30];

        Assert.Equal(0, FeatureBins.Bin(edges, -5));
        Assert.Equal(0, FeatureBins.Bin(edges, 10));
        Assert.Equal(1, FeatureBins.Bin(edges, 10.5f));
        Assert.Equal(2, FeatureBins.Bin(edges, 30));
        Assert.Equal(3, FeatureBins.Bin(edges, 31));
    }

    [Fact]
    public void Tied_deciles_collapse_and_a_constant_feature_keeps_a_bin_for_anything_else()
    {
        // Feature 0: 70 zeros then 30 ones (a background pixel that is sometimes ink); feature 1: always 0.
        var samples = new float[200];
        for (var i = 70; i < 100; i++) samples[2 * i] = 1;

        var reference = DriftReference.Build(samples, featureCount: 2, [], "tied");

        Assert.Equal([0f, 1], reference.Bins.Edges(0).ToArray());
        Assert.Equal([0f], reference.Bins.Edges(1).ToArray());
        Assert.Equal([0.7, 0.3, 0.0, 1.0, 0.0], reference.InputShares);
        Assert.Null(reference.ClassShares);
    }

    [Fact]
    public void Counting_a_sample_adds_one_to_one_bin_of_each_feature()
    {
        var samples = new float[200];
        for (var i = 0; i < 100; i++) (samples[2 * i], samples[2 * i + 1]) = (i + 1, -(i + 1));
        var bins = FeatureBins.FromReference(samples, featureCount: 2);
        var counts = new long[bins.TotalBins];

        bins.Count([55f, -1000f], counts);

        Assert.Equal(1, counts[5]);
        Assert.Equal(1, counts[bins.FirstBin(1)]);
        Assert.Equal(2, counts.Sum());
        var e = Assert.Throws<ArgumentException>(() => bins.Count([1f, 2f, 3f], counts));
        Assert.Contains("3 values", e.Message);
        Assert.Contains("2 features", e.Message);
    }

    [Fact]
    public void The_reference_keeps_the_share_of_each_predicted_class()
    {
        var reference = DriftReference.Build([1f, 2f, 3f, 4f], featureCount: 1, [1L, 3L, 0L], "four");

        Assert.Equal([0.25, 0.75, 0.0], reference.ClassShares!);
        Assert.Equal(4, reference.Samples);
        var e = Assert.Throws<ArgumentException>(() => DriftReference.Build([1f, 2f, 3f, 4f], featureCount: 1, [1L, 1L], "four"));
        Assert.Contains("add up to 2", e.Message);
    }
}
