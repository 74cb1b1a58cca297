using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// A 1-d convolution over [batch, sequence, channels] (the sequence layers' layout). Its parameters are those of
/// a PyTorch Conv1d, named <c>weight</c> and <c>bias</c>.
/// </summary>
internal sealed class SequenceConv1d : nn.Module<Tensor, Tensor>
{
    // Owns the TorchSharp convolution whose default initialisation (and parameters) this module uses.
    private readonly Conv1d _initialised;
    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly long _stride;
    private readonly long _padding;

    public SequenceConv1d(Conv1d initialised, int stride, int padding) : base("SequenceConv1d")
    {
        _initialised = initialised;
        _weight = initialised.weight!;
        _bias = initialised.bias;
        _stride = stride;
        _padding = padding;
        register_parameter("weight", _weight);
        if (_bias is not null) register_parameter("bias", _bias);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.conv1d(input.transpose(1, 2), _weight, _bias, _stride, _padding);
        return output.transpose(1, 2).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _initialised.Dispose();
        base.Dispose(disposing);
    }
}
