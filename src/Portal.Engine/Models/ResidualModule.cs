using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary><c>body(x) + projection(x)</c>, or <c>body(x) + x</c>; children named <c>body</c> and <c>projection</c> as in the weights.</summary>
internal sealed class ResidualModule : nn.Module<Tensor, Tensor>
{
    private readonly Sequential body;
    private readonly Sequential? projection;

    public ResidualModule(Sequential body, Sequential? projection) : base("Residual")
    {
        this.body = body;
        this.projection = projection;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var skip = projection is null ? input : projection.forward(input);
        return body.forward(input).add_(skip).MoveToOuterDisposeScope();
    }
}
