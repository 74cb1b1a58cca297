using System.Globalization;

namespace Portal.Engine.Compression;

/// <summary>
/// The accuracy-driven search both int8 forms share. Starting from every candidate unit in int8 (a layer, or with
/// dynamic activations a weight matrix), while the test accuracy is more than the tolerance below the parent's, it
/// tries each int8 unit in float32 and keeps the one whose return recovers the most, until the tolerance is met or no
/// unit is int8. Each layout is written and scored once.
/// </summary>
internal sealed class Int8Fallback<TGraph>(
    Func<IReadOnlySet<int>, TGraph> write,
    Func<TGraph, double> accuracy,
    double parentAccuracy,
    double tolerance,
    Action<string, string> stage)
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;
    private readonly Dictionary<string, (TGraph Graph, double Accuracy)> _scored = new(StringComparer.Ordinal);

    /// <summary>How one unit is named in reasons: its spec layer, that layer's kind, the weight matrix (dynamic only) and a phrase.</summary>
    public sealed record Unit(int Layer, string Kind, string? Weight, string Description);

    public sealed record Outcome(IReadOnlySet<int> Quantized, IReadOnlyList<Float32Layer> Float32, TGraph Graph, double Accuracy, double FullyQuantizedAccuracy, bool MetTolerance);

    /// <param name="units">Every unit by its number; <paramref name="start"/> those that begin in int8.</param>
    /// <param name="noun">What a unit is called in stage messages and reasons ("layers", "weight matrices").</param>
    public Outcome Search(IReadOnlyDictionary<int, Unit> units, IEnumerable<int> start, string noun, CancellationToken cancellationToken)
    {
        var quantized = new HashSet<int>(start);
        var float32 = new List<Float32Layer>();
        var current = Score(quantized, cancellationToken);
        var full = current.Accuracy;
        while (Drop(current.Accuracy) > tolerance && quantized.Count > 0)
        {
            stage("quantizing", Invariant($"int8 accuracy {current.Accuracy:P2} is {Drop(current.Accuracy):F2} points below the parent's {parentAccuracy:P2}: trying each of {quantized.Count} int8 {noun} in float32"));
            var trials = quantized.Select(u => (Unit: u, Result: Score(new HashSet<int>(quantized.Where(x => x != u)), cancellationToken))).ToList();
            var best = trials.OrderByDescending(t => t.Result.Accuracy).ThenBy(t => t.Unit).First();
            var unit = units[best.Unit];
            float32.Add(new Float32Layer(unit.Layer, unit.Kind, current.Accuracy, best.Result.Accuracy, Invariant(
                $"with it in int8 the accuracy was {current.Accuracy:P2}, {Drop(current.Accuracy):F2} points below the parent's {parentAccuracy:P2} (tolerance {tolerance} points); of the {trials.Count} int8 {noun}, keeping {unit.Description} in float32 recovered the most: {best.Result.Accuracy:P2}"), unit.Weight));
            quantized.Remove(best.Unit);
            current = best.Result;
        }
        return new Outcome(quantized, float32, current.Graph, current.Accuracy, full, Drop(current.Accuracy) <= tolerance);
    }

    private (TGraph Graph, double Accuracy) Score(IReadOnlySet<int> quantized, CancellationToken cancellationToken)
    {
        var key = string.Join(',', quantized.Order());
        if (_scored.TryGetValue(key, out var known)) return known;
        cancellationToken.ThrowIfCancellationRequested();
        var graph = write(quantized);
        return _scored[key] = (graph, accuracy(graph));
    }

    private double Drop(double accuracy) => (parentAccuracy - accuracy) * 100;

    private static string Invariant(FormattableString text) => text.ToString(s_invariant);
}
