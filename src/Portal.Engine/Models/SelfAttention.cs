using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// Multi-head self-attention over [batch, sequence, width], laid out as PyTorch's <c>nn.MultiheadAttention</c>
/// (batch first): <c>in_proj_weight</c> [3·width, width] and <c>in_proj_bias</c> [3·width] project queries, keys
/// and values, <c>out_proj</c> joins the heads. Keys at padding (from the network's <see cref="PaddingMask"/>) get
/// no attention, except in a sample that is all padding, whose keys all stay unmasked.
/// </summary>
/// <remarks>
/// Written out in matrix products rather than libtorch's fused attention so that the exported graph computes the
/// same operations in the same order. A sample with no real token attends over its padding rather than over no
/// key at all: a softmax over nothing but minus infinity is NaN, and its gradient would poison the whole batch.
/// </remarks>
internal sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _inProjWeight;
    private readonly Parameter? _inProjBias;
    private readonly Linear _outProj;
    private readonly Dropout? _dropout;
    private readonly PaddingMask? _mask;
    private readonly long _width;
    private readonly long _heads;
    private readonly double _scale;

    public SelfAttention(int width, int heads, double dropout, bool bias, PaddingMask? mask) : base("SelfAttention")
    {
        _width = width;
        _heads = heads;
        _scale = 1.0 / Math.Sqrt(width / heads);
        _mask = mask;
        using (no_grad())
        {
            _inProjWeight = new Parameter(nn.init.xavier_uniform_(empty(3L * width, width)));
            _inProjBias = bias ? new Parameter(zeros(3L * width)) : null;
        }
        _outProj = nn.Linear(width, width, hasBias: bias);
        if (_outProj.bias is { } outBias)
        {
            using var _ = no_grad();
            outBias.zero_();
        }
        _dropout = dropout > 0 ? nn.Dropout(dropout) : null;
        register_parameter("in_proj_weight", _inProjWeight);
        if (_inProjBias is not null) register_parameter("in_proj_bias", _inProjBias);
        register_module("out_proj", _outProj);
        if (_dropout is not null) register_module("dropout", _dropout);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (batch, steps) = (input.shape[0], input.shape[1]);
        var headWidth = _width / _heads;
        var projected = nn.functional.linear(input, _inProjWeight, _inProjBias);
        // [batch, sequence, width] → [batch, heads, sequence, head width]
        Tensor Heads(long part) => projected.narrow(2, part * _width, _width).reshape(batch, steps, _heads, headWidth).transpose(1, 2);
        var scores = Heads(0).mul(_scale).matmul(Heads(1).transpose(2, 3));
        if (KeyMask() is { } masked)
            scores = scores.masked_fill(masked.reshape(batch, 1, 1, steps), double.NegativeInfinity);
        var weights = scores.softmax(-1);
        if (_dropout is not null) weights = _dropout.forward(weights);
        var joined = weights.matmul(Heads(2)).transpose(1, 2).reshape(batch, steps, _width);
        return _outProj.forward(joined).MoveToOuterDisposeScope();
    }

    /// <summary>[batch, sequence], true at the keys no query may attend to; null without padding.</summary>
    private Tensor? KeyMask()
    {
        if (_mask?.Padded is not { } padded) return null;
        var anyReal = padded.logical_not().any(1, keepdim: true);
        return padded.logical_and(anyReal);
    }
}
