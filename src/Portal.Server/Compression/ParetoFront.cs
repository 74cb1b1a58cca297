namespace Portal.Server.Compression;

/// <summary>
/// The versions no other version beats on both counts: at least as accurate and at most as costly (latency or size),
/// and strictly better on one. Those are the only sensible choices; every other version is dominated.
/// </summary>
public static class ParetoFront
{
    /// <summary>The non-dominated points for the cost <paramref name="cost"/> (lower is better), cheapest first.</summary>
    public static IReadOnlyList<TradeOffPoint> Of(IEnumerable<TradeOffPoint> points, Func<TradeOffPoint, double> cost)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(cost);
        var ordered = points.Select(p => (Point: p, Cost: cost(p))).ToList();
        foreach (var (p, c) in ordered)
        {
            if (double.IsNaN(c) || double.IsNaN(p.Accuracy))
                throw new ArgumentException($"Version {p.Version} has no measured {(double.IsNaN(c) ? "cost" : "accuracy")}: it cannot be placed on the front.", nameof(points));
        }

        // Cheapest first, and among equally cheap the most accurate first: a point is on the front when it is more
        // accurate than everything cheaper, or is the very same trade-off as the last point put on the front.
        var front = new List<TradeOffPoint>();
        var bestAccuracy = double.NegativeInfinity;
        double lastCost = double.NaN;
        foreach (var (p, c) in ordered.OrderBy(x => x.Cost).ThenByDescending(x => x.Point.Accuracy).ThenBy(x => x.Point.Version))
        {
            var sameAsLast = front.Count > 0 && c == lastCost && p.Accuracy == front[^1].Accuracy;
            if (p.Accuracy > bestAccuracy || sameAsLast)
            {
                front.Add(p);
                bestAccuracy = p.Accuracy;
                lastCost = c;
            }
        }
        return front;
    }

    public static IReadOnlyList<TradeOffPoint> ByLatency(IEnumerable<TradeOffPoint> points) => Of(points, p => p.LatencyP95Ms);

    public static IReadOnlyList<TradeOffPoint> BySize(IEnumerable<TradeOffPoint> points) => Of(points, p => p.OnnxBytes);
}
