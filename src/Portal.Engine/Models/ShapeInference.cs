namespace Portal.Engine.Models;

/// <summary>
/// Walks a spec's layers and blocks before any native call: every layer's input and output shape and parameter
/// count, or a <see cref="ModelSpecException"/> naming the block path and both shapes.
/// </summary>
internal sealed class ShapeInference
{
    private readonly List<LayerShape> _blocks = [];
    private bool _sequenceLengthFixed;

    /// <summary>What flows between layers besides the shape: token ids or floats, and the padding mask's length.</summary>
    private readonly record struct Flow(IReadOnlyList<int> Shape, bool TokenIds, int? MaskLength);

    public static ShapeReport Run(ModelSpec spec)
    {
        if (spec.InputShape.Count == 0 || spec.InputShape.Any(d => d <= 0))
            throw new ModelSpecException($"Model '{spec.Name}': input shape {Format(spec.InputShape)} must have at least one dimension, all positive.");
        if (spec.Layers.Count == 0)
            throw new ModelSpecException($"Model '{spec.Name}' has no layers.");
        if (spec.Tokens is { } tokens)
        {
            if (spec.InputShape.Count != 1)
                throw new ModelSpecException($"Model '{spec.Name}': a token input has shape [maximum length], not {Format(spec.InputShape)}.");
            if (tokens.PaddingId < 0)
                throw new ModelSpecException($"Model '{spec.Name}': the padding id must not be negative, not {tokens.PaddingId}.");
        }

        var walk = new ShapeInference();
        var start = new Flow([.. spec.InputShape], spec.Tokens is not null, spec.Tokens is not null ? spec.InputShape[0] : null);
        var (top, end) = walk.Sequence(spec.Layers, "layers", 0, start);
        if (end.TokenIds)
            throw new ModelSpecException($"Model '{spec.Name}' outputs token ids: add an embedding layer.");
        return new ShapeReport(top, walk._blocks, walk._sequenceLengthFixed);
    }

    private (List<LayerShape> Shapes, Flow Output) Sequence(IReadOnlyList<LayerSpec>? layers, string path, int depth, Flow flow)
    {
        if (layers is null || layers.Count == 0)
            throw new ModelSpecException($"{path} has no layers.");
        var shapes = new List<LayerShape>(layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            var at = $"{path}[{i}]";
            var layer = layers[i] ?? throw new ModelSpecException($"{at} is null.");
            var slot = _blocks.Count;
            _blocks.Add(null!); // a block precedes what it holds
            var (output, parameters) = Step(at, depth, layer, flow);
            var shape = new LayerShape(i, layer.Kind, flow.Shape, output.Shape, parameters) { Path = at, Depth = depth };
            _blocks[slot] = shape;
            shapes.Add(shape);
            flow = output;
        }
        return (shapes, flow);
    }

    private (Flow Output, long Parameters) Step(string path, int depth, LayerSpec layer, Flow flow)
    {
        var input = flow.Shape;
        string Where() => $"{path} ({layer.Kind})";
        void Require(bool ok, string what)
        {
            if (!ok) throw new ModelSpecException($"{Where()}: {what}");
        }
        void RequireRank(int rank, string expected) =>
            Require(input.Count == rank, $"expects input {expected} but receives {Format(input)}.");
        Flow Same() => flow;
        Flow Shaped(IReadOnlyList<int> shape) => flow with { Shape = shape };
        void RequireMaskFits()
        {
            if (flow.MaskLength is { } length)
                Require(input[0] == length, $"needs the padding mask, which covers {length} steps, but receives {input[0]} steps {Format(input)}; keep the sequence length (padding = (kernel − 1) / 2, stride 1) before it.");
        }

        if (flow.TokenIds && layer is not EmbeddingLayer and not SequentialBlock)
            throw new ModelSpecException($"{Where()}: receives token ids {Format(input)}; start with an embedding layer.");

        switch (layer)
        {
            case LinearLayer l:
                Require(input.Count is 1 or 2, $"expects input [features] or [sequence, features] but receives {Format(input)} (add a flatten layer before it).");
                Require(l.OutFeatures > 0, $"outFeatures must be positive, not {l.OutFeatures}.");
                return (Shaped([.. input.Take(input.Count - 1), l.OutFeatures]), (long)input[^1] * l.OutFeatures + (l.Bias ? l.OutFeatures : 0));

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
                    return (Shaped([c.OutChannels, h, w]), weights + (c.Bias ? c.OutChannels : 0));
                }

            case Conv1dLayer c:
                {
                    RequireRank(2, "[sequence, channels]");
                    Require(c.OutChannels > 0, $"outChannels must be positive, not {c.OutChannels}.");
                    Require(c.KernelSize > 0 && c.Stride > 0 && c.Padding >= 0, $"kernel {c.KernelSize}, stride {c.Stride} and padding {c.Padding} must be positive (padding non-negative).");
                    Require(input[0] + 2 * c.Padding >= c.KernelSize, $"kernel {c.KernelSize} with padding {c.Padding} does not fit input {Format(input)}.");
                    var length = (input[0] + 2 * c.Padding - c.KernelSize) / c.Stride + 1;
                    var weights = (long)c.OutChannels * input[1] * c.KernelSize;
                    return (Shaped([length, c.OutChannels]), weights + (c.Bias ? c.OutChannels : 0));
                }

            case MaxPool2dLayer or AvgPool2dLayer:
                {
                    var (kernel, stride) = layer is MaxPool2dLayer m ? (m.KernelSize, m.Stride ?? m.KernelSize) : (((AvgPool2dLayer)layer).KernelSize, ((AvgPool2dLayer)layer).Stride ?? ((AvgPool2dLayer)layer).KernelSize);
                    RequireRank(3, "[channels, height, width]");
                    Require(kernel > 0 && stride > 0, $"kernel {kernel} and stride {stride} must be positive.");
                    Require(input[1] >= kernel && input[2] >= kernel, $"kernel {kernel} does not fit input {Format(input)}.");
                    return (Shaped([input[0], (input[1] - kernel) / stride + 1, (input[2] - kernel) / stride + 1]), 0);
                }

            case AdaptiveAvgPool2dLayer a:
                RequireRank(3, "[channels, height, width]");
                Require(a.OutputSize > 0, $"outputSize must be positive, not {a.OutputSize}.");
                Require(a.OutputSize == 1 || (input[1] % a.OutputSize == 0 && input[2] % a.OutputSize == 0),
                    $"outputSize {a.OutputSize} must divide the input's height and width {Format(input)} (or be 1, global pooling).");
                return (Shaped([input[0], a.OutputSize, a.OutputSize]), 0);

            case BatchNorm1dLayer:
                RequireRank(1, "[features]");
                return (Same(), 2L * input[0]);

            case BatchNorm2dLayer:
                RequireRank(3, "[channels, height, width]");
                return (Same(), 2L * input[0]);

            case LayerNormLayer n:
                Require(n.Eps > 0, $"eps must be positive, not {n.Eps}.");
                return (Same(), 2L * input[^1]);

            case DropoutLayer d:
                Require(d.P >= 0 && d.P < 1, $"p must be in [0, 1), not {d.P}.");
                return (Same(), 0);

            case FlattenLayer:
                if (flow.MaskLength is not null && input.Count > 1) _sequenceLengthFixed = true;
                return (new Flow([input.Aggregate(1, (a, b) => a * b)], false, null), 0);

            case ReLULayer or LeakyReLULayer or GELULayer or TanhLayer or SigmoidLayer or SoftmaxLayer:
                return (Same(), 0);

            case EmbeddingLayer e:
                Require(flow.TokenIds, $"expects token ids (a spec with \"tokens\") but receives float features {Format(input)}.");
                Require(e.Vocabulary > 0 && e.Width > 0, $"vocabulary {e.Vocabulary} and width {e.Width} must be positive.");
                Require(e.PaddingIndex is null || (e.PaddingIndex >= 0 && e.PaddingIndex < e.Vocabulary),
                    $"paddingIndex {e.PaddingIndex} must lie in the vocabulary [0, {e.Vocabulary}).");
                return (flow with { Shape = [input[0], e.Width], TokenIds = false }, (long)e.Vocabulary * e.Width);

            case PositionalEncodingLayer p:
                RequireRank(2, "[sequence, width]");
                return (Same(), p.Encoding == PositionalEncodingKind.Learned ? (long)input[0] * input[1] : 0);

            case MultiHeadAttentionLayer a:
                RequireRank(2, "[sequence, width]");
                Require(a.Heads > 0 && input[1] % a.Heads == 0, $"{a.Heads} heads must divide the width {input[1]} of {Format(input)}.");
                Require(a.Dropout >= 0 && a.Dropout < 1, $"dropout must be in [0, 1), not {a.Dropout}.");
                RequireMaskFits();
                return (Same(), AttentionParameters(input[1], a.Bias));

            case TransformerEncoderBlock t:
                {
                    RequireRank(2, "[sequence, width]");
                    var width = input[1];
                    Require(t.Heads > 0 && width % t.Heads == 0, $"{t.Heads} heads must divide the width {width} of {Format(input)}.");
                    Require(t.FeedForward > 0 && t.Layers > 0, $"feedForward {t.FeedForward} and layers {t.Layers} must be positive.");
                    Require(t.Dropout >= 0 && t.Dropout < 1, $"dropout must be in [0, 1), not {t.Dropout}.");
                    Require(t.Eps > 0, $"eps must be positive, not {t.Eps}.");
                    RequireMaskFits();
                    var perLayer = AttentionParameters(width, true) + 2L * width * t.FeedForward + t.FeedForward + width + 4L * width;
                    return (Same(), perLayer * t.Layers);
                }

            case LstmLayer or GruLayer:
                {
                    var recurrent = RecurrentSettings.Of(layer);
                    RequireRank(2, "[sequence, features]");
                    Require(recurrent.HiddenSize > 0 && recurrent.Layers > 0, $"hiddenSize {recurrent.HiddenSize} and layers {recurrent.Layers} must be positive.");
                    RequireMaskFits();
                    return recurrent.Output == RecurrentOutput.Last
                        ? (new Flow([recurrent.OutputWidth], false, null), recurrent.Parameters(input[1]))
                        : (Shaped([input[0], recurrent.OutputWidth]), recurrent.Parameters(input[1]));
                }

            case SequencePoolLayer s:
                RequireRank(2, "[sequence, width]");
                if (s.Pooling == SequencePooling.Mean) RequireMaskFits();
                return (new Flow([input[1]], false, null), 0);

            case SequentialBlock b:
                {
                    var (shapes, output) = Sequence(b.Layers, $"{path}.layers", depth + 1, flow);
                    return (output, shapes.Sum(s => s.Parameters));
                }

            case ResidualBlock r:
                {
                    var (body, bodyOut) = Sequence(r.Body, $"{path}.body", depth + 1, flow);
                    var parameters = body.Sum(s => s.Parameters);
                    var skip = flow;
                    if (r.Projection is not null)
                    {
                        var (projection, projectionOut) = Sequence(r.Projection, $"{path}.projection", depth + 1, flow);
                        parameters += projection.Sum(s => s.Parameters);
                        skip = projectionOut;
                    }
                    Require(bodyOut.Shape.SequenceEqual(skip.Shape),
                        $"the body gives {Format(bodyOut.Shape)} but the {(r.Projection is null ? "input" : "projection")} gives {Format(skip.Shape)}; they must match to be summed{(r.Projection is null ? " (add a projection)" : "")}.");
                    Require(bodyOut.MaskLength == skip.MaskLength, "the body and the skip path must keep the same sequence length.");
                    return (bodyOut, parameters);
                }

            default:
                throw new ModelSpecException($"{Where()}: unsupported layer type {layer.GetType().Name}.");
        }
    }

    private static long AttentionParameters(int width, bool bias) => 4L * width * width + (bias ? 4L * width : 0);

    internal static string Format(IReadOnlyList<int> shape) => $"[{string.Join(',', shape)}]";
}
