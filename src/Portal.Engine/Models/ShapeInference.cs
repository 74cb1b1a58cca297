namespace Portal.Engine.Models;

internal static class ShapeInference
{
    public static ShapeReport Run(ModelSpec spec)
    {
        if (spec.InputShape.Count == 0 || spec.InputShape.Any(d => d <= 0))
            throw new ModelSpecException($"Model '{spec.Name}': input shape {Format(spec.InputShape)} must have at least one dimension, all positive.");
        if (spec.Layers.Count == 0)
            throw new ModelSpecException($"Model '{spec.Name}' has no layers.");

        var shapes = new List<LayerShape>(spec.Layers.Count);
        IReadOnlyList<int> shape = [.. spec.InputShape];
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i] ?? throw new ModelSpecException($"Layer {i} is null.");
            var (output, parameters) = Step(i, layer, shape);
            shapes.Add(new LayerShape(i, layer.Kind, shape, output, parameters));
            shape = output;
        }
        return new ShapeReport(shapes);
    }

    private static (IReadOnlyList<int> Output, long Parameters) Step(int index, LayerSpec layer, IReadOnlyList<int> input)
    {
        string Where() => $"Layer {index} ({layer.Kind})";
        void Require(bool ok, string what)
        {
            if (!ok) throw new ModelSpecException($"{Where()}: {what}");
        }
        void RequireRank(int rank, string expected) =>
            Require(input.Count == rank, $"expects input {expected} but receives {Format(input)}.");

        switch (layer)
        {
            case LinearLayer l:
                RequireRank(1, "[features] (add a flatten layer before it)");
                Require(l.OutFeatures > 0, $"outFeatures must be positive, not {l.OutFeatures}.");
                return ([l.OutFeatures], (long)input[0] * l.OutFeatures + (l.Bias ? l.OutFeatures : 0));

            case Conv2dLayer c:
                {
                    RequireRank(3, "[channels, height, width]");
                    Require(c.OutChannels > 0, $"outChannels must be positive, not {c.OutChannels}.");
                    Require(c.KernelSize > 0 && c.Stride > 0 && c.Padding >= 0, $"kernel {c.KernelSize}, stride {c.Stride} and padding {c.Padding} must be positive (padding non-negative).");
                    var h = (input[1] + 2 * c.Padding - c.KernelSize) / c.Stride + 1;
                    var w = (input[2] + 2 * c.Padding - c.KernelSize) / c.Stride + 1;
                    Require(input[1] + 2 * c.Padding >= c.KernelSize && input[2] + 2 * c.Padding >= c.KernelSize,
                        $"kernel {c.KernelSize} with padding {c.Padding} does not fit input {Format(input)}; output would be [{c.OutChannels},{h},{w}].");
                    var weights = (long)c.OutChannels * input[0] * c.KernelSize * c.KernelSize;
                    return ([c.OutChannels, h, w], weights + (c.Bias ? c.OutChannels : 0));
                }

            case MaxPool2dLayer or AvgPool2dLayer:
                {
                    var (kernel, stride) = layer is MaxPool2dLayer m ? (m.KernelSize, m.Stride ?? m.KernelSize) : (((AvgPool2dLayer)layer).KernelSize, ((AvgPool2dLayer)layer).Stride ?? ((AvgPool2dLayer)layer).KernelSize);
                    RequireRank(3, "[channels, height, width]");
                    Require(kernel > 0 && stride > 0, $"kernel {kernel} and stride {stride} must be positive.");
                    Require(input[1] >= kernel && input[2] >= kernel, $"kernel {kernel} does not fit input {Format(input)}.");
                    return ([input[0], (input[1] - kernel) / stride + 1, (input[2] - kernel) / stride + 1], 0);
                }

            case BatchNorm1dLayer:
                RequireRank(1, "[features]");
                return (input, 2L * input[0]);

            case BatchNorm2dLayer:
                RequireRank(3, "[channels, height, width]");
                return (input, 2L * input[0]);

            case DropoutLayer d:
                Require(d.P >= 0 && d.P < 1, $"p must be in [0, 1), not {d.P}.");
                return (input, 0);

            case FlattenLayer:
                return ([input.Aggregate(1, (a, b) => a * b)], 0);

            case ReLULayer or LeakyReLULayer or GELULayer or TanhLayer or SigmoidLayer:
                return (input, 0);

            default:
                throw new ModelSpecException($"{Where()}: unsupported layer type {layer.GetType().Name}.");
        }
    }

    internal static string Format(IReadOnlyList<int> shape) => $"[{string.Join(',', shape)}]";
}
