namespace Portal.Server.Components.Charts;

/// <summary>
/// The points of one chart: a shared, non-decreasing x axis and one y value per series at each x (null where a
/// series has none, drawn as a gap bridged by the line). The chart component sends what was added since its last
/// draw, so a growing curve costs only its new points. Points added live may carry their <see cref="PointOrigin"/>.
/// </summary>
public sealed class CurveData
{
    private readonly List<double> _x = [];
    private readonly List<double?>[] _y;
    private readonly List<PointOrigin> _origins = [];
    private bool _anyOrigin;

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
        _origins.Add(default);
    }

    /// <summary>Adds a point that arrived live, with the event it came from (see <see cref="Add"/>).</summary>
    public void Add(PointOrigin origin, double x, params double?[] values)
    {
        Add(x, values);
        _origins[^1] = origin;
        _anyOrigin = true;
    }

    public void Clear()
    {
        _x.Clear();
        foreach (var y in _y) y.Clear();
        _origins.Clear();
        _anyOrigin = false;
        Generation++;
    }

    /// <summary>The points from index <paramref name="start"/> on: xs, and per series its ys.</summary>
    public (double[] X, double?[][] Y) From(int start)
    {
        start = Math.Clamp(start, 0, _x.Count);
        return ([.. _x.Skip(start)], [.. _y.Select(y => y.Skip(start).ToArray())]);
    }

    /// <summary>
    /// The origins of the points from index <paramref name="start"/> on, one per point (sequence 0 and time 0 for a
    /// point that has none), or null when none of them has one.
    /// </summary>
    public (long[] Sequence, double[] MadeAtUnixMs)? OriginsFrom(int start)
    {
        start = Math.Clamp(start, 0, _x.Count);
        if (!_anyOrigin) return null;
        var points = _origins.Skip(start).ToArray();
        if (points.All(o => o.Sequence == 0)) return null;
        return ([.. points.Select(o => o.Sequence)], [.. points.Select(o => o.MadeAtUnixMs)]);
    }
}
