using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class DatasetSplitTests
{
    /// <summary>Sample i has the single feature i, so every part tells which samples it took.</summary>
    private static Dataset Numbered(int count, int classes) =>
        new("numbered", [.. Enumerable.Range(0, count).Select(i => (float)i)], [1],
            [.. Enumerable.Range(0, count).Select(i => i % classes)], [.. Enumerable.Range(0, classes).Select(c => $"c{c}")]);

    private static int[] Indices(Dataset? part) => part is null ? [] : [.. part.Features.ToArray().Select(f => (int)f)];

    [Fact]
    public void Parts_have_the_requested_sizes_and_names()
    {
        var split = DatasetSplit.Split(Numbered(1000, 10), 0.1, 0.2, seed: 1);
        Assert.Equal(700, split.Train.Count);
        Assert.Equal(100, split.Validation!.Count);
        Assert.Equal(200, split.Test!.Count);
        Assert.Equal("numbered-train", split.Train.Name);
        Assert.Equal("numbered-validation", split.Validation.Name);
        Assert.Equal("numbered-test", split.Test.Name);
    }

    [Fact]
    public void Parts_are_disjoint_and_cover_every_sample_in_original_order()
    {
        var split = DatasetSplit.Split(Numbered(997, 3), 0.15, 0.15, seed: 5);
        var train = Indices(split.Train);
        var validation = Indices(split.Validation);
        var test = Indices(split.Test);
        Assert.Equal(Enumerable.Range(0, 997), train.Concat(validation).Concat(test).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(test.Order(), test);
        Assert.Equal(150, test.Length);
        Assert.Equal(150, validation.Length);
        foreach (var part in new[] { split.Train, split.Validation!, split.Test! })
            for (var i = 0; i < part.Count; i++)
                Assert.Equal((int)part.Sample(i)[0] % 3, part.Labels[i]);
    }

    [Fact]
    public void Same_seed_gives_the_same_parts_and_another_seed_does_not()
    {
        var data = Numbered(300, 4);
        var a = DatasetSplit.Split(data, 0.2, 0.1, seed: 9);
        var b = DatasetSplit.Split(data, 0.2, 0.1, seed: 9);
        var c = DatasetSplit.Split(data, 0.2, 0.1, seed: 10);
        Assert.Equal(Indices(a.Train), Indices(b.Train));
        Assert.Equal(Indices(a.Validation), Indices(b.Validation));
        Assert.Equal(Indices(a.Test), Indices(b.Test));
        Assert.NotEqual(Indices(a.Test), Indices(c.Test));
    }

    [Fact]
    public void Classes_keep_their_proportions_in_every_part()
    {
        // 600 samples: class 0 has 400, class 1 has 200.
        var labels = Enumerable.Range(0, 600).Select(i => i % 3 == 0 ? 1 : 0).ToArray();
        var data = new Dataset("skewed", new float[600], [1], labels, ["a", "b"]);
        var split = DatasetSplit.Split(data, 0.25, 0.1, seed: 3);
        Assert.Equal(40, split.Test!.Labels.ToArray().Count(l => l == 0));
        Assert.Equal(20, split.Test.Labels.ToArray().Count(l => l == 1));
        Assert.Equal(100, split.Validation!.Labels.ToArray().Count(l => l == 0));
        Assert.Equal(50, split.Validation.Labels.ToArray().Count(l => l == 1));
    }

    [Fact]
    public void Totals_stay_exact_when_classes_round_unevenly()
    {
        // Seven classes of 3: a test share of 0.1 is 0.3 per class; the total must still be round(2.1) = 2.
        var split = DatasetSplit.Split(Numbered(21, 7), 0.2, 0.1, seed: 2);
        Assert.Equal(2, split.Test!.Count);
        Assert.Equal(4, split.Validation!.Count);
        Assert.Equal(15, split.Train.Count);
    }

    [Fact]
    public void Zero_fraction_gives_no_part()
    {
        var split = DatasetSplit.Split(Numbered(50, 2), 0, 0.2, seed: 1);
        Assert.Null(split.Validation);
        Assert.Equal(10, split.Test!.Count);
        var none = DatasetSplit.Split(Numbered(50, 2), 0, 0, seed: 1);
        Assert.Null(none.Test);
        Assert.Equal(Enumerable.Range(0, 50), Indices(none.Train));
    }

    [Fact]
    public void Regression_data_is_split_without_classes()
    {
        var data = new Dataset("reg", [.. Enumerable.Range(0, 40).Select(i => (float)i)], [1], [.. Enumerable.Range(0, 40).Select(i => i * 2f)], 1);
        var split = DatasetSplit.Split(data, 0.25, 0.25, seed: 4);
        Assert.Equal((20, 10, 10), (split.Train.Count, split.Validation!.Count, split.Test!.Count));
        for (var i = 0; i < split.Test.Count; i++) Assert.Equal(split.Test.Sample(i)[0] * 2, split.Test.Targets[i]);
    }

    [Theory]
    [InlineData(-0.1, 0.1)]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, 1.5)]
    [InlineData(double.NaN, 0.1)]
    public void Fractions_outside_zero_to_one_are_refused(double validation, double test)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Split(Numbered(10, 2), validation, test, 1));
        Assert.Contains("must be in [0, 1)", e.Message);
    }

    [Fact]
    public void Fractions_that_leave_nothing_for_training_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(Numbered(10, 2), 0.5, 0.5, 1));
        Assert.Contains("sum to 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(Numbered(3, 1), 0.49, 0.5, 1));
        Assert.Contains("leaves no training sample", e.Message);
    }

    [Fact]
    public void A_fraction_too_small_to_select_a_sample_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(Numbered(10, 2), 0.01, 0, 1));
        Assert.Contains("validation fraction of 0.01 selects no sample of the 10", e.Message);
    }
}
