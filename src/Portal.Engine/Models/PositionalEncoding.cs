using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// Adds a position vector to each step of [batch, sequence, width]: a trained table <c>weight</c>
/// [maximum length, width], or the fixed sinusoids of "Attention Is All You Need" (no parameters).
/// </summary>
internal sealed class PositionalEncoding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter? _weight;
    private readonly Tensor? _sinusoids;

    public PositionalEncoding(PositionalEncodingKind kind, int maxLength, int width) : base("PositionalEncoding")
    {
        if (kind == PositionalEncodingKind.Learned)
        {
            using var _ = no_grad();
            _weight = new Parameter(nn.init.normal_(empty(maxLength, width), 0, 0.02));
            register_parameter("weight", _weight);
        }
        else
        {
            _sinusoids = tensor(PositionalTable.Sinusoids(maxLength, width), [maxLength, width]);
            register_buffer("sinusoids", _sinusoids, persistent: false);
        }
    }

    public override Tensor forward(Tensor input)
    {
        var table = _weight ?? _sinusoids!;
        return input.add(table.narrow(0, 0, input.shape[1]));
    }
}
