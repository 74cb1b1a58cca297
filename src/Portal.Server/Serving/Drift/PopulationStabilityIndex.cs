namespace Portal.Server.Serving.Drift;

/// <summary>
/// The Population Stability Index of a live distribution against a reference over the same bins:
/// PSI = Σ (live − reference) · ln(live / reference), on proportions. 0 means the same distribution; by the usual
/// reading below 0.1 is stable, 0.1–0.2 a moderate shift and above 0.2 a significant one.
/// </summary>
/// <remarks>
/// A bin that is empty on either side would make the logarithm infinite. Each proportion is floored at
/// <see cref="Epsilon"/> (0.01 %) before the sum, the common convention; proportions are not renormalised after
/// flooring. So a bin the reference never saw but that holds a share p of live traffic adds (p − 10⁻⁴) · ln(p / 10⁻⁴),
/// about 9·p for small p: a new region of the input space counts heavily but finitely.
/// </remarks>
public static class PopulationStabilityIndex
{
    public const double Epsilon = 1e-4;

    public static double Compute(ReadOnlySpan<double> reference, ReadOnlySpan<double> live)
    {
        if (reference.Length != live.Length)
            throw new ArgumentException($"The reference has {reference.Length} bins but the live distribution has {live.Length}; PSI compares the same bins.");
        var psi = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            var expected = Math.Max(reference[i], Epsilon);
            var actual = Math.Max(live[i], Epsilon);
            psi += (actual - expected) * Math.Log(actual / expected);
        }
        return psi;
    }

    /// <summary>PSI of live <paramref name="counts"/> (out of <paramref name="total"/> samples) against reference proportions.</summary>
    public static double Compute(ReadOnlySpan<double> reference, ReadOnlySpan<long> counts, long total)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(total);
        if (reference.Length != counts.Length)
            throw new ArgumentException($"The reference has {reference.Length} bins but the live counts have {counts.Length}; PSI compares the same bins.");
        var psi = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            var expected = Math.Max(reference[i], Epsilon);
            var actual = Math.Max((double)counts[i] / total, Epsilon);
            psi += (actual - expected) * Math.Log(actual / expected);
        }
        return psi;
    }
}
