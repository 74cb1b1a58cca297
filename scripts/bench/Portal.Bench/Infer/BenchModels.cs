using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;

namespace Portal.Bench.Infer;

/// <summary>
/// A ready spec with seeded random weights and standardisation statistics, exported to ONNX. Latency does not
/// depend on training, and parity is measured on these same weights.
/// </summary>
internal sealed record BenchModel(ModelSpec Spec, ModelWeights Weights, FeatureStandardization Standardization, byte[] Onnx, string Path)
{
    private static readonly string[] s_fashionLabels = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public int FeatureCount => Spec.InputShape.Aggregate(1, (a, b) => a * b);

    public int OutputCount => Spec.Infer().OutputShape.Aggregate(1, (a, b) => a * b);

    public static BenchModel Create(ModelSpec spec, StandardizationMode mode, string folder, int seed)
    {
        var random = new Random(seed);
        var weights = RandomWeights(spec, random);
        var groups = mode == StandardizationMode.PerChannel ? spec.InputShape[0] : spec.InputShape.Aggregate(1, (a, b) => a * b);
        // Pixel-like statistics (Fashion-MNIST: mean ≈ 73, std ≈ 90), varied per feature.
        var mean = Enumerable.Range(0, groups).Select(_ => 50f + 50f * random.NextSingle()).ToArray();
        var std = Enumerable.Range(0, groups).Select(_ => 60f + 60f * random.NextSingle()).ToArray();
        var standardization = new FeatureStandardization(mode, [.. spec.InputShape], mean, std);
        var onnx = OnnxExporter.Export(spec, weights, new OnnxExportOptions
        {
            Standardization = standardization,
            ClassLabels = s_fashionLabels,
            LineageId = $"bench/infer/{spec.Name}",
        });
        var path = System.IO.Path.Combine(folder, $"{spec.Name}.onnx");
        File.WriteAllBytes(path, onnx);
        return new BenchModel(spec, weights, standardization, onnx, path);
    }

    public static float[] RawSamples(int count, int featureCount, int seed)
    {
        var random = new Random(seed);
        var values = new float[count * featureCount];
        for (var i = 0; i < values.Length; i++) values[i] = 255f * random.NextSingle();
        return values;
    }

    /// <summary>PyTorch's default ranges (uniform ±1/√fan-in) for linear and conv; batch norm far from the identity.</summary>
    private static ModelWeights RandomWeights(ModelSpec spec, Random random)
    {
        var report = spec.Infer();
        var tensors = new List<NamedTensor>();
        void Add(string name, int[] shape, double low, double high)
        {
            var data = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (var i = 0; i < data.Length; i++) data[i] = (float)(low + (high - low) * random.NextDouble());
            tensors.Add(new NamedTensor(name, shape, data));
        }
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var input = report.Layers[i].InputShape;
            switch (spec.Layers[i])
            {
                case LinearLayer l:
                    {
                        var bound = 1 / Math.Sqrt(input[0]);
                        Add($"{i}.weight", [l.OutFeatures, input[0]], -bound, bound);
                        if (l.Bias) Add($"{i}.bias", [l.OutFeatures], -bound, bound);
                        break;
                    }
                case Conv2dLayer c:
                    {
                        var bound = 1 / Math.Sqrt(input[0] * c.KernelSize * c.KernelSize);
                        Add($"{i}.weight", [c.OutChannels, input[0], c.KernelSize, c.KernelSize], -bound, bound);
                        if (c.Bias) Add($"{i}.bias", [c.OutChannels], -bound, bound);
                        break;
                    }
                case BatchNorm1dLayer or BatchNorm2dLayer:
                    Add($"{i}.weight", [input[0]], 0.5, 1.5);
                    Add($"{i}.bias", [input[0]], -0.5, 0.5);
                    Add($"{i}.running_mean", [input[0]], -1, 1);
                    Add($"{i}.running_var", [input[0]], 0.3, 2);
                    break;
            }
        }
        return new ModelWeights(tensors);
    }
}
