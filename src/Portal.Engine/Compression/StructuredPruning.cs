using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Compression;

/// <summary>
/// Removes whole units: output neurons of linear layers and output channels of convolutions, with the matching
/// batch-norm entries and the matching inputs of the next linear or convolution layer (after a flatten, each
/// removed channel takes its H·W block of features with it). Returns a smaller spec and its weights.
/// </summary>
internal static class StructuredPruning
{
    public sealed record Outcome(ModelSpec Spec, ModelWeights Weights, IReadOnlyList<string> Notes);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first layer or block whose units this pruning cannot follow:
    /// a block (a residual sum ties its body's output channels to its skip path's) or a layer that mixes units other
    /// than by a weight matrix.
    /// </summary>
    public static void CheckSupported(ModelSpec spec)
    {
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var ok = spec.Layers[i] is LinearLayer or Conv2dLayer or BatchNorm1dLayer or BatchNorm2dLayer or ReLULayer or LeakyReLULayer
                or GELULayer or TanhLayer or SigmoidLayer or MaxPool2dLayer or AvgPool2dLayer or AdaptiveAvgPool2dLayer or FlattenLayer
                or DropoutLayer or SoftmaxLayer;
            if (ok) continue;
            var why = spec.Layers[i] is ResidualBlock
                ? "a residual sum ties the channels of its body's output to those of its input or projection, which pruning one layer at a time would part"
                : "structured pruning follows units through a flat list of linear, conv2d, batch-norm, activation, pooling, flatten and dropout layers only";
            throw new ArgumentException($"Structured pruning cannot prune '{spec.Name}': layers[{i}] ({spec.Layers[i].Kind}) is in the way; {why}. Unstructured pruning and distillation work on any spec.");
        }
    }

    public static Outcome Prune(ModelSpec spec, ModelWeights weights, double ratio, ChannelNorm norm)
    {
        CheckSupported(spec);
        var report = spec.Infer();
        var tensors = weights.Tensors.ToDictionary(t => t.Name, t => (Shape: t.Shape.ToArray(), Data: t.Data), StringComparer.Ordinal);
        var layers = spec.Layers.ToList();
        var weightLayers = Enumerable.Range(0, layers.Count).Where(i => layers[i] is LinearLayer or Conv2dLayer).ToList();
        var notes = new List<string>();

        // Each hidden weight layer (all but the last) loses units; the next weight layer loses the matching inputs.
        for (var w = 0; w + 1 < weightLayers.Count; w++)
        {
            var producer = weightLayers[w];
            var consumer = weightLayers[w + 1];
            var units = report.Layers[producer].OutputShape[0];
            var keepCount = Math.Max(1, (int)Math.Round(units * (1 - ratio)));
            if (keepCount == units) continue;
            var between = Enumerable.Range(producer + 1, consumer - producer - 1).ToList();
            var batchNorm = between.FirstOrDefault(i => layers[i] is BatchNorm1dLayer or BatchNorm2dLayer, -1);

            var scores = UnitScores(tensors[$"{producer}.weight"], norm);
            if (batchNorm >= 0) ScaleByBatchNorm(scores, tensors, batchNorm, layers[batchNorm]);
            var keep = Enumerable.Range(0, units).OrderByDescending(u => scores[u]).ThenBy(u => u).Take(keepCount).Order().ToArray();

            SliceRows(tensors, $"{producer}.weight", keep);
            if (tensors.ContainsKey($"{producer}.bias")) SliceRows(tensors, $"{producer}.bias", keep);
            if (batchNorm >= 0)
            {
                foreach (var suffix in (string[])["weight", "bias", "running_mean", "running_var"])
                    SliceRows(tensors, $"{batchNorm}.{suffix}", keep);
            }
            // A flatten between a convolution and a linear layer turns each channel into a block of H·W features.
            var group = layers[consumer] is LinearLayer && layers[producer] is Conv2dLayer
                ? report.Layers[consumer].InputShape[0] / units
                : 1;
            SliceColumns(tensors, $"{consumer}.weight", keep, group);
            layers[producer] = layers[producer] switch
            {
                LinearLayer l => l with { OutFeatures = keepCount },
                Conv2dLayer c => c with { OutChannels = keepCount },
                var other => other,
            };
            notes.Add($"layer {producer} ({spec.Layers[producer].Kind}): kept {keepCount} of {units} {(layers[producer] is Conv2dLayer ? "channels" : "neurons")} by {norm} norm");
        }

        var pruned = spec with { Layers = layers };
        pruned.Infer();
        return new Outcome(pruned, new ModelWeights(weights.Tensors.Select(t => new NamedTensor(t.Name, tensors[t.Name].Shape, tensors[t.Name].Data))), notes);
    }

    /// <summary>L1 or L2 norm of each output unit's weights (a row of a linear layer, a filter of a convolution).</summary>
    private static double[] UnitScores((int[] Shape, float[] Data) weight, ChannelNorm norm)
    {
        var units = weight.Shape[0];
        var per = weight.Data.Length / units;
        var scores = new double[units];
        for (var u = 0; u < units; u++)
        {
            double sum = 0;
            foreach (var v in weight.Data.AsSpan(u * per, per)) sum += norm == ChannelNorm.L1 ? Math.Abs(v) : (double)v * v;
            scores[u] = norm == ChannelNorm.L1 ? sum : Math.Sqrt(sum);
        }
        return scores;
    }

    // Batch norm rescales each unit by γ / √(σ² + ε): a small filter with a large γ still matters, so score the unit as the next layer sees it.
    private static void ScaleByBatchNorm(double[] scores, Dictionary<string, (int[] Shape, float[] Data)> tensors, int index, LayerSpec layer)
    {
        var eps = layer is BatchNorm2dLayer b2 ? b2.Eps : ((BatchNorm1dLayer)layer).Eps;
        var gamma = tensors[$"{index}.weight"].Data;
        var variance = tensors[$"{index}.running_var"].Data;
        for (var u = 0; u < scores.Length; u++) scores[u] *= Math.Abs(gamma[u]) / Math.Sqrt(variance[u] + eps);
    }

    private static void SliceRows(Dictionary<string, (int[] Shape, float[] Data)> tensors, string name, int[] keep)
    {
        var (shape, data) = tensors[name];
        var per = data.Length / shape[0];
        var sliced = new float[keep.Length * per];
        for (var i = 0; i < keep.Length; i++) data.AsSpan(keep[i] * per, per).CopyTo(sliced.AsSpan(i * per, per));
        tensors[name] = ([keep.Length, .. shape[1..]], sliced);
    }

    /// <summary>Keeps, along axis 1, the blocks of <paramref name="group"/> inputs belonging to the kept units.</summary>
    private static void SliceColumns(Dictionary<string, (int[] Shape, float[] Data)> tensors, string name, int[] keep, int group)
    {
        var (shape, data) = tensors[name];
        var rows = shape[0];
        var inputs = shape[1];
        var inner = shape.Skip(2).Aggregate(1, (a, b) => a * b); // kernel positions of a convolution
        var block = group * inner;
        var newInputs = keep.Length * group;
        var sliced = new float[rows * newInputs * inner];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < keep.Length; i++)
            {
                data.AsSpan((r * inputs + keep[i] * group) * inner, block)
                    .CopyTo(sliced.AsSpan((r * newInputs + i * group) * inner, block));
            }
        }
        tensors[name] = ([rows, newInputs, .. shape[2..]], sliced);
    }
}
