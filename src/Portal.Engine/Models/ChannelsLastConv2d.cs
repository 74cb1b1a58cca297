using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// The network's first convolution on the CPU, emitting its output in channels-last memory layout (NCHW shape,
/// NHWC strides). libtorch keeps that layout through batch norm, activations, pooling and later convolutions,
/// whose CPU kernels are vectorised over channels there and so run the convolutions faster than channels-first.
/// The first convolution's input usually has one channel, where the layouts coincide and
/// libtorch would stay channels-first. Parameters keep the names <c>weight</c> and <c>bias</c>, and values and
/// logical shapes are unchanged, so weights, checkpoints and ONNX export do not see the difference.
/// </summary>
internal sealed class ChannelsLastConv2d : nn.Module<Tensor, Tensor>
{
    // Owns the TorchSharp convolution whose default initialisation (and parameters) this module uses.
    private readonly Conv2d _initialised;
    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly bool _convertInput;

    public ChannelsLastConv2d(Conv2d initialised, int stride, int padding, int inputChannels) : base("Conv2d")
    {
        _initialised = initialised;
        _weight = initialised.weight;
        _bias = initialised.bias;
        _stride = [stride, stride];
        _padding = [padding, padding];
        _convertInput = inputChannels > 1;
        register_parameter("weight", _weight);
        if (_bias is not null) register_parameter("bias", _bias);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _convertInput ? ToChannelsLast(input) : input;
        var output = nn.functional.conv2d(x, _weight, _bias, _stride, _padding);
        return ToChannelsLast(output).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _initialised.Dispose();
        base.Dispose(disposing);
    }

    private static Tensor ToChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
