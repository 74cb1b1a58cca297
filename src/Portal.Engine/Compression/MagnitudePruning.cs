using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Compression;

/// <summary>Unstructured magnitude pruning on plain weights: which tensors are prunable and which of their values become zero.</summary>
internal static class MagnitudePruning
{
    /// <summary>
    /// The weight tensors of linear and convolution layers at any depth (inside residual and sequential blocks too), in
    /// layer order (biases and batch norm are never pruned).
    /// </summary>
    public static IReadOnlyList<string> PrunableTensors(ModelSpec spec) =>
        [.. LayerTree.PreOrder(spec).Where(p => p.Layer is LinearLayer or Conv2dLayer).Select(p => $"{p.WeightPrefix}.weight")];

    /// <summary>
    /// The weights with the smallest-magnitude values of <paramref name="names"/> set to zero: exactly
    /// ⌊sparsity · n⌋ of them over all tensors (global) or in each tensor (per layer).
    /// </summary>
    public static ModelWeights Prune(ModelWeights weights, IReadOnlyList<string> names, double sparsity, PruningScope scope)
    {
        var pruned = weights.Tensors.ToDictionary(t => t.Name, t => t.Data.ToArray(), StringComparer.Ordinal);
        if (scope == PruningScope.PerLayer)
        {
            foreach (var name in names) ZeroSmallest([(name, pruned[name])], sparsity);
        }
        else
        {
            ZeroSmallest([.. names.Select(n => (n, pruned[n]))], sparsity);
        }
        return new ModelWeights(weights.Tensors.Select(t => t with { Data = pruned[t.Name] }));
    }

    /// <summary>Fraction of zeros among the values of <paramref name="names"/>.</summary>
    public static double Sparsity(ModelWeights weights, IReadOnlyList<string> names)
    {
        long zeros = 0, total = 0;
        foreach (var name in names)
        {
            var data = weights[name].Data;
            total += data.Length;
            foreach (var v in data) if (v == 0) zeros++;
        }
        return total == 0 ? 0 : (double)zeros / total;
    }

    /// <summary>Zhu &amp; Gupta's cubic schedule: s_t = s_f · (1 − (1 − t / T)³) for t in [0, T], then s_f.</summary>
    public static double CubicSparsity(double target, long step, long rampSteps)
    {
        var progress = Math.Clamp((double)step / Math.Max(1, rampSteps), 0, 1);
        return target * (1 - Math.Pow(1 - progress, 3));
    }

    private static void ZeroSmallest(IReadOnlyList<(string Name, float[] Data)> tensors, double sparsity)
    {
        var total = tensors.Sum(t => (long)t.Data.Length);
        var count = (long)Math.Floor(sparsity * total);
        if (count == 0) return;
        var magnitudes = new float[total];
        var positions = new long[total];
        long k = 0;
        foreach (var (_, data) in tensors)
        {
            foreach (var v in data)
            {
                magnitudes[k] = MathF.Abs(v);
                positions[k] = k;
                k++;
            }
        }
        Array.Sort(magnitudes, positions);
        var offsets = new long[tensors.Count + 1];
        for (var t = 0; t < tensors.Count; t++) offsets[t + 1] = offsets[t] + tensors[t].Data.Length;
        for (long i = 0; i < count; i++)
        {
            var position = positions[i];
            var t = 0;
            while (position >= offsets[t + 1]) t++;
            tensors[t].Data[position - offsets[t]] = 0;
        }
    }
}
