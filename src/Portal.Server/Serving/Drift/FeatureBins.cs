namespace Portal.Server.Serving.Drift;

/// <summary>
/// Bins of every input feature, cut at the deciles of the reference data: bin i of a feature with edges e holds
/// the values in (e[i−1], e[i]], the first bin everything up to e[0] and the last everything above the last edge.
/// Equal deciles collapse into one edge, so a feature that is mostly zero (a background pixel) has fewer bins,
/// and a constant feature has two: its value, and anything else, which the reference never saw.
/// </summary>
/// <remarks>
/// Decile bins hold about a tenth of the reference each, the setting PSI's usual 0.1 / 0.2 thresholds were
/// calibrated on. Binning each feature on its own scale keeps CSV features of different units apart (a pooled
/// histogram would let a wide feature swamp a narrow one), and for 784-pixel images it sees where the ink moved, not
/// only how bright the image is: a shifted or inverted image keeps its pooled intensity histogram but moves
/// almost every pixel's.
/// </remarks>
public sealed class FeatureBins
{
    public const int Deciles = 10;

    private readonly float[] _edges;

    // Feature f's edges are _edges[_edgeStart[f] .. _edgeStart[f + 1]]; its bins start at _edgeStart[f] + f in a flat count array.
    private readonly int[] _edgeStart;

    private FeatureBins(float[] edges, int[] edgeStart)
    {
        _edges = edges;
        _edgeStart = edgeStart;
    }

    public int FeatureCount => _edgeStart.Length - 1;

    /// <summary>All bins of all features, the length of a flat count array.</summary>
    public int TotalBins => _edges.Length + FeatureCount;

    public int FirstBin(int feature) => _edgeStart[feature] + feature;

    public int BinCount(int feature) => _edgeStart[feature + 1] - _edgeStart[feature] + 1;

    public ReadOnlySpan<float> Edges(int feature) => _edges.AsSpan(_edgeStart[feature], _edgeStart[feature + 1] - _edgeStart[feature]);

    /// <summary>Decile edges of each feature of <paramref name="samples"/> (row-major, <paramref name="featureCount"/> values a row).</summary>
    public static FeatureBins FromReference(ReadOnlySpan<float> samples, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (samples.Length == 0 || samples.Length % featureCount != 0)
            throw new ArgumentException($"{samples.Length} reference values are not a non-empty whole number of samples of {featureCount} features.");
        var count = samples.Length / featureCount;
        var column = new float[count];
        var edges = new List<float>(featureCount * (Deciles - 1));
        var edgeStart = new int[featureCount + 1];
        for (var f = 0; f < featureCount; f++)
        {
            edgeStart[f] = edges.Count;
            for (var i = 0; i < count; i++) column[i] = samples[i * featureCount + f];
            Array.Sort(column);
            for (var k = 1; k < Deciles; k++)
            {
                // Nearest-rank quantile k/10; ties collapse, so edges rise strictly.
                var edge = column[(int)Math.Ceiling((double)k * count / Deciles) - 1];
                if (edges.Count == edgeStart[f] || edge > edges[^1]) edges.Add(edge);
            }
        }
        edgeStart[featureCount] = edges.Count;
        return new FeatureBins([.. edges], edgeStart);
    }

    /// <summary>Adds one to the bin of each feature of <paramref name="sample"/> in the flat <paramref name="counts"/>.</summary>
    public void Count(ReadOnlySpan<float> sample, Span<long> counts)
    {
        if (sample.Length != FeatureCount)
            throw new ArgumentException($"A sample has {sample.Length} values; the bins were cut for {FeatureCount} features.");
        for (var f = 0; f < sample.Length; f++)
            counts[FirstBin(f) + Bin(Edges(f), sample[f])]++;
    }

    /// <summary>How many edges lie below <paramref name="value"/>: its bin.</summary>
    public static int Bin(ReadOnlySpan<float> edges, float value)
    {
        int low = 0, high = edges.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (edges[middle] < value) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
