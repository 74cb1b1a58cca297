using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Weights;
using TorchSharp;

namespace Portal.Engine.Tests.Onnx;

/// <summary>TorchSharp's own forward pass (eval mode) of a spec with given weights: the reference the exports must match.</summary>
internal static class TorchReference
{
    public static float[] Forward(ModelSpec spec, ModelWeights weights, float[] input, int batch, FeatureStandardization? standardization = null)
    {
        NativeRuntime.EnsureStarted();
        var standardized = (float[])input.Clone();
        standardization?.ApplyInPlace(standardized);
        using var scope = torch.NewDisposeScope();
        using var network = NetworkFactory.Build(spec);
        NetworkFactory.ImportWeights(network, weights);
        network.eval();
        using var _ = torch.no_grad();
        var x = torch.tensor(standardized, [batch, .. spec.InputShape.Select(d => (long)d)]);
        return network.forward(x).data<float>().ToArray();
    }

    /// <summary>
    /// TorchSharp's default initialisation (seeded), with batch-norm scale, shift and running statistics
    /// replaced by values far from the identity so the export of each is exercised.
    /// </summary>
    public static ModelWeights RandomWeights(ModelSpec spec, int seed)
    {
        NativeRuntime.EnsureStarted();
        torch.manual_seed(seed);
        ModelWeights initial;
        using (var scope = torch.NewDisposeScope())
        using (var network = NetworkFactory.Build(spec))
            initial = NetworkFactory.ExportWeights(network);

        var random = new Random(seed);
        var tensors = initial.Tensors.Select(t =>
        {
            var owner = t.Name[..t.Name.LastIndexOf('.')];
            if (LayerAt(spec, owner) is not (BatchNorm1dLayer or BatchNorm2dLayer)) return t;
            var (low, high) = t.Name[(t.Name.LastIndexOf('.') + 1)..] switch
            {
                "weight" => (0.5, 1.5),
                "bias" => (-0.5, 0.5),
                "running_mean" => (-1.0, 1.0),
                "running_var" => (0.3, 2.0),
                _ => (0.0, 1.0),
            };
            return t with { Data = [.. t.Data.Select(_ => (float)(low + (high - low) * random.NextDouble()))] };
        });
        return new ModelWeights(tensors);
    }

    /// <summary>The layer a weight prefix names: <c>3</c>, <c>3.body.1</c>, <c>4.projection.1</c>, <c>2.0</c> (a sequential block's child).</summary>
    private static LayerSpec LayerAt(ModelSpec spec, string prefix)
    {
        var parts = new Queue<string>(prefix.Split('.'));
        var layer = spec.Layers[Index(parts.Dequeue())];
        while (parts.Count > 0)
        {
            IReadOnlyList<LayerSpec>? inner = layer switch
            {
                SequentialBlock b => b.Layers,
                ResidualBlock r when parts.Peek() == "body" && parts.Dequeue() is not null => r.Body,
                ResidualBlock { Projection: { } p } when parts.Peek() == "projection" && parts.Dequeue() is not null => p,
                _ => null,
            };
            if (inner is null) return layer; // a layer's own sub-tensors (an attention's in_proj), not a block's child
            layer = inner[Index(parts.Dequeue())];
        }
        return layer;
    }

    private static int Index(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    public static float[] RandomFeatures(int count, int seed, float low = 0f, float high = 255f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    /// <summary>Non-trivial statistics: means in the raw range, deviations far from one.</summary>
    public static FeatureStandardization Standardization(ModelSpec spec, StandardizationMode mode, int seed) =>
        Standardization([.. spec.InputShape], mode, seed);

    /// <summary>Statistics fitted in the data's own sample shape, which the model may view differently.</summary>
    public static FeatureStandardization Standardization(int[] sampleShape, StandardizationMode mode, int seed)
    {
        var random = new Random(seed);
        var count = mode == StandardizationMode.PerChannel ? sampleShape[0] : sampleShape.Aggregate(1, (a, b) => a * b);
        var mean = new float[count];
        var std = new float[count];
        for (var i = 0; i < count; i++)
        {
            mean[i] = 60f + 80f * random.NextSingle();
            std[i] = 30f + 60f * random.NextSingle();
        }
        return new FeatureStandardization(mode, sampleShape, mean, std);
    }

    public static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }
}
