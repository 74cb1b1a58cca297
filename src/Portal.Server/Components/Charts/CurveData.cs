namespace Portal.Server.Components.Charts;

/// <summary>
/// The points of one chart: a shared, non-decreasing x axis and one y value per series at each x (null where a
/// series has none, drawn as a gap bridged by the line). The chart component sends what was added since its last
/// draw, so a growing curve costs only its new points.
/// </summary>
public sealed class CurveData
{
    private readonly List<double> _x = [];
    private readonly List<double?>[] _y;

    public CurveData(params string[] seriesNames)
    {
        if (seriesNames.Length == 0) throw new ArgumentException("A chart needs at least one series.", nameof(seriesNames));
        Names = seriesNames;
        _y = [.. seriesNames.Select(_ => new List<double?>())];
    }

    public IReadOnlyList<string> Names { get; }

    public int Count => _x.Count;

    public IReadOnlyList<double> X => _x;

    public IReadOnlyList<double?> Series(int index) => _y[index];

    /// <summary>Bumped by <see cref="Clear"/>, so a chart knows to draw from scratch.</summary>
    public int Generation { get; private set; }

    /// <summary>Adds one x with a value (or null) for each series, in the order of <see cref="Names"/>.</summary>
    public void Add(double x, params double?[] values)
    {
        if (values.Length != _y.Length)
            throw new ArgumentException($"The chart has {_y.Length} series ({string.Join(", ", Names)}) but {values.Length} values were given at x={x}.", nameof(values));
        if (double.IsNaN(x)) throw new ArgumentException("x is NaN.", nameof(x));
        if (_x.Count > 0 && x < _x[^1]) throw new ArgumentException($"x must not decrease: {x} after {_x[^1]}.", nameof(x));
        _x.Add(x);
        for (var s = 0; s < values.Length; s++) _y[s].Add(values[s] is { } v && double.IsFinite(v) ? v : null);
    }

    public void Clear()
    {
        _x.Clear();
        foreach (var y in _y) y.Clear();
        Generation++;
    }

    /// <summary>The points from index <paramref name="start"/> on: xs, and per series its ys.</summary>
    public (double[] X, double?[][] Y) From(int start)
    {
        start = Math.Clamp(start, 0, _x.Count);
        return ([.. _x.Skip(start)], [.. _y.Select(y => y.Skip(start).ToArray())]);
    }
}
