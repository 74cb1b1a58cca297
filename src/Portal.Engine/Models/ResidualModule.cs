using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary><c>body(x) + projection(x)</c>, or <c>body(x) + x</c>; children named <c>body</c> and <c>projection</c> as in the weights.</summary>
internal sealed class ResidualModule : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _body;
    private readonly Sequential? _projection;

    public ResidualModule(Sequential body, Sequential? projection) : base("Residual")
    {
        _body = body;
        _projection = projection;
        register_module("body", body);
        if (projection is not null) register_module("projection", projection);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var skip = _projection is null ? input : _projection.forward(input);
        return _body.forward(input).add(skip).MoveToOuterDisposeScope();
    }
}
