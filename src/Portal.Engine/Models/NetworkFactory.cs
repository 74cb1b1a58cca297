using Portal.Engine.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>Builds the TorchSharp network for a spec, and moves weights in and out of it. Engine-internal.</summary>
internal static class NetworkFactory
{
    public static Sequential Build(ModelSpec spec, Device? device = null)
    {
        var report = spec.Infer();
        var cpu = device is null || device.type == DeviceType.CPU;
        var build = new Construction(report.Blocks, spec.Tokens is { } tokens ? new PaddingMask(tokens.PaddingId) : null);
        var firstConv = spec.Layers.ToList().FindIndex(l => l is Conv2dLayer);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>(spec.Layers.Count);
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var shape = build.Peek();
            var module = build.Create(spec.Layers[i]);
            if (i == firstConv && cpu && module is Conv2d conv && spec.Layers[i] is Conv2dLayer c)
                module = new ChannelsLastConv2d(conv, c.Stride, c.Padding, shape.InputShape[0]);
            modules.Add((Name(i), module));
        }
        var network = nn.Sequential(modules);
        if (device is not null && device.type != DeviceType.CPU) network.to(device);
        return network;
    }

    private static string Name(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates modules in the order shape inference visited the layers, taking each one's shapes from the report.</summary>
    private sealed class Construction(IReadOnlyList<LayerShape> blocks, PaddingMask? mask)
    {
        private int _next;

        public LayerShape Peek() => blocks[_next];

        public nn.Module<Tensor, Tensor> Create(LayerSpec layer)
        {
            var shape = blocks[_next++];
            var input = shape.InputShape;
            return layer switch
            {
                LinearLayer l => nn.Linear(input[^1], l.OutFeatures, hasBias: l.Bias),
                Conv2dLayer c => nn.Conv2d(input[0], c.OutChannels, c.KernelSize, stride: c.Stride, padding: c.Padding, bias: c.Bias),
                Conv1dLayer c => new SequenceConv1d(nn.Conv1d(input[1], c.OutChannels, c.KernelSize, stride: c.Stride, padding: c.Padding, bias: c.Bias), c.Stride, c.Padding),
                MaxPool2dLayer m => nn.MaxPool2d(m.KernelSize, m.Stride ?? m.KernelSize),
                AvgPool2dLayer a => nn.AvgPool2d(a.KernelSize, a.Stride ?? a.KernelSize),
                AdaptiveAvgPool2dLayer a => nn.AdaptiveAvgPool2d(a.OutputSize),
                BatchNorm1dLayer b => nn.BatchNorm1d(input[0], b.Eps, b.Momentum),
                BatchNorm2dLayer b => nn.BatchNorm2d(input[0], b.Eps, b.Momentum),
                LayerNormLayer n => nn.LayerNorm(input[^1], n.Eps),
                DropoutLayer d => nn.Dropout(d.P),
                ReLULayer => nn.ReLU(),
                LeakyReLULayer r => nn.LeakyReLU(r.NegativeSlope),
                GELULayer => nn.GELU(),
                TanhLayer => nn.Tanh(),
                SigmoidLayer => nn.Sigmoid(),
                SoftmaxLayer => nn.Softmax(-1),
                FlattenLayer => nn.Flatten(),
                EmbeddingLayer e => TokenEmbedding(e),
                PositionalEncodingLayer p => new PositionalEncoding(p.Encoding, input[0], input[1]),
                SequencePoolLayer p => new SequencePool(p.Pooling, mask),
                MultiHeadAttentionLayer a => new SelfAttention(input[1], a.Heads, a.Dropout, a.Bias, mask),
                TransformerEncoderBlock t => new TransformerEncoderModule(input[1], t, mask),
                LstmLayer or GruLayer => new RecurrentModule(RecurrentSettings.Of(layer), input[1], mask),
                SequentialBlock b => Sequence(b.Layers),
                ResidualBlock r => new ResidualModule(Sequence(r.Body), r.Projection is null ? null : Sequence(r.Projection)),
                _ => throw new ModelSpecException($"{shape.Path} ({layer.Kind}) has no network layer."),
            };
        }

        /// <summary>libtorch's embedding, fed int64 ids and recording the batch's padding mask before it runs.</summary>
        private Embedding TokenEmbedding(EmbeddingLayer e)
        {
            var embedding = nn.Embedding(e.Vocabulary, e.Width, e.PaddingIndex);
            EmbeddingInitialization.Apply(embedding, e);
            embedding.register_forward_pre_hook((_, ids) =>
            {
                // The ids and the mask live in the caller's dispose scope, as long as the activations that follow.
                var longIds = ids.dtype == ScalarType.Int64 ? ids : ids.to(ScalarType.Int64);
                mask?.Observe(longIds);
                return longIds;
            });
            return embedding;
        }

        private Sequential Sequence(IReadOnlyList<LayerSpec> layers) =>
            nn.Sequential(layers.Select((layer, i) => (Name(i), Create(layer))).ToList());
    }

    /// <summary>The network's float state (parameters and batch-norm statistics) copied out as <see cref="ModelWeights"/>.</summary>
    public static ModelWeights ExportWeights(nn.Module network)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<NamedTensor>();
        foreach (var (name, tensor) in network.state_dict())
        {
            if (tensor.dtype != ScalarType.Float32) continue; // num_batches_tracked: a counter, not a weight
            var cpu = tensor.detach().cpu().contiguous();
            tensors.Add(new NamedTensor(name, [.. cpu.shape.Select(d => (int)d)], cpu.data<float>().ToArray()));
        }
        return new ModelWeights(tensors);
    }

    /// <summary>Copies <paramref name="weights"/> into the network; a missing tensor or a shape mismatch names the tensor.</summary>
    public static void ImportWeights(nn.Module network, ModelWeights weights)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, target) in network.state_dict())
        {
            if (target.dtype != ScalarType.Float32) continue;
            if (!weights.TryGet(name, out var source))
                throw new ArgumentException($"The weights lack tensor '{name}' that the network needs.");
            var expected = target.shape.Select(d => (int)d).ToArray();
            if (!expected.SequenceEqual(source.Shape))
                throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(',', source.Shape)}] but the network needs [{string.Join(',', expected)}].");
            target.copy_(tensor(source.Data, [.. expected.Select(d => (long)d)]));
        }
    }
}
