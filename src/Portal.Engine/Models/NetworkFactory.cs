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
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>(spec.Layers.Count);
        var firstConv = spec.Layers.ToList().FindIndex(l => l is Conv2dLayer);
        var cpu = device is null || device.type == DeviceType.CPU;
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var module = Create(spec.Layers[i], report.Layers[i].InputShape);
            if (i == firstConv && cpu && module is Conv2d conv && spec.Layers[i] is Conv2dLayer c)
                module = new ChannelsLastConv2d(conv, c.Stride, c.Padding, report.Layers[i].InputShape[0]);
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        }
        var network = nn.Sequential(modules);
        if (device is not null && device.type != DeviceType.CPU) network.to(device);
        return network;
    }

    private static nn.Module<Tensor, Tensor> Create(LayerSpec layer, IReadOnlyList<int> input) => layer switch
    {
        LinearLayer l => nn.Linear(input[0], l.OutFeatures, hasBias: l.Bias),
        Conv2dLayer c => nn.Conv2d(input[0], c.OutChannels, c.KernelSize, stride: c.Stride, padding: c.Padding, bias: c.Bias),
        MaxPool2dLayer m => nn.MaxPool2d(m.KernelSize, m.Stride ?? m.KernelSize),
        AvgPool2dLayer a => nn.AvgPool2d(a.KernelSize, a.Stride ?? a.KernelSize),
        BatchNorm1dLayer b => nn.BatchNorm1d(input[0], b.Eps, b.Momentum),
        BatchNorm2dLayer b => nn.BatchNorm2d(input[0], b.Eps, b.Momentum),
        DropoutLayer d => nn.Dropout(d.P),
        ReLULayer => nn.ReLU(),
        LeakyReLULayer r => nn.LeakyReLU(r.NegativeSlope),
        GELULayer => nn.GELU(),
        TanhLayer => nn.Tanh(),
        SigmoidLayer => nn.Sigmoid(),
        FlattenLayer => nn.Flatten(),
        _ => throw new ModelSpecException($"No network layer for {layer.GetType().Name}."),
    };

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
