using Portal.Server.Serving.Drift;

namespace Portal.Server.Tests.Serving.Drift;

public sealed class PopulationStabilityIndexTests
{
    [Fact]
    public void A_shift_between_two_bins_gives_the_hand_computed_index()
    {
        // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.25·ln 2 + 0.25·ln 1.5
        var psi = PopulationStabilityIndex.Compute([0.5, 0.5], [0.25, 0.75]);

        Assert.Equal(0.2746530721670274, psi, 12);
    }

    [Fact]
    public void An_empty_reference_bin_counts_as_epsilon_so_the_index_stays_finite()
    {
        // The third bin: (0.1 − 1e-4)·ln(0.1 / 1e-4); the second: (0.4 − 0.5)·ln(0.4 / 0.5).
        var psi = PopulationStabilityIndex.Compute([0.5, 0.5, 0.0], [0.5, 0.4, 0.1]);

        Assert.Equal(1e-4, PopulationStabilityIndex.Epsilon);
        Assert.Equal(0.7123991075017365, psi, 12);
    }

    [Fact]
    public void An_empty_live_bin_counts_as_epsilon_too()
    {
        // Everything predicted as the first of two equally likely classes: 0.5·ln 2 + (1e-4 − 0.5)·ln(1e-4 / 0.5).
        var psi = PopulationStabilityIndex.Compute([0.5, 0.5], [300L, 0L], 300);

        Assert.Equal(4.60431846666895, psi, 12);
    }

    [Fact]
    public void The_same_distribution_has_an_index_of_zero()
    {
        Assert.Equal(0.0, PopulationStabilityIndex.Compute([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]));
        Assert.Equal(0.0, PopulationStabilityIndex.Compute([0.25, 0.75], [25L, 75L], 100), 15);
    }

    [Fact]
    public void Counts_give_the_same_index_as_their_proportions()
    {
        Assert.Equal(PopulationStabilityIndex.Compute([0.2, 0.3, 0.5], [0.1, 0.6, 0.3]), PopulationStabilityIndex.Compute([0.2, 0.3, 0.5], [10L, 60L, 30L], 100), 15);
    }

    [Fact]
    public void Distributions_over_different_bins_are_refused_naming_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.Compute([0.5, 0.5], [0.2, 0.3, 0.5]));

        Assert.Contains("2 bins", e.Message);
        Assert.Contains("3", e.Message);
    }
}
