using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// A stack of transformer encoder layers over [batch, sequence, width], named as PyTorch's
/// <c>nn.TransformerEncoder</c> names them: <c>layers.{i}.self_attn.…</c>, <c>layers.{i}.linear1</c>,
/// <c>layers.{i}.linear2</c>, <c>layers.{i}.norm1</c>, <c>layers.{i}.norm2</c>.
/// </summary>
internal sealed class TransformerEncoderModule : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<EncoderLayer> _layers;

    public TransformerEncoderModule(int width, TransformerEncoderBlock block, PaddingMask? mask) : base("TransformerEncoder")
    {
        _layers = nn.ModuleList([.. Enumerable.Range(0, block.Layers).Select(_ => new EncoderLayer(width, block, mask))]);
        register_module("layers", _layers);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in _layers) x = layer.forward(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>One layer as PyTorch's <c>nn.TransformerEncoderLayer</c> (batch first) computes it, pre- or post-norm.</summary>
    internal sealed class EncoderLayer : nn.Module<Tensor, Tensor>
    {
        private readonly SelfAttention _selfAttention;
        private readonly Linear _linear1;
        private readonly Linear _linear2;
        private readonly LayerNorm _norm1;
        private readonly LayerNorm _norm2;
        private readonly Dropout _dropout;
        private readonly Dropout _dropout1;
        private readonly Dropout _dropout2;
        private readonly bool _normFirst;
        private readonly FeedForwardActivation _activation;

        public EncoderLayer(int width, TransformerEncoderBlock block, PaddingMask? mask) : base("TransformerEncoderLayer")
        {
            _selfAttention = new SelfAttention(width, block.Heads, block.Dropout, bias: true, mask);
            _linear1 = nn.Linear(width, block.FeedForward);
            _linear2 = nn.Linear(block.FeedForward, width);
            _norm1 = nn.LayerNorm(width, block.Eps);
            _norm2 = nn.LayerNorm(width, block.Eps);
            _dropout = nn.Dropout(block.Dropout);
            _dropout1 = nn.Dropout(block.Dropout);
            _dropout2 = nn.Dropout(block.Dropout);
            _normFirst = block.NormFirst;
            _activation = block.Activation;
            register_module("self_attn", _selfAttention);
            register_module("linear1", _linear1);
            register_module("dropout", _dropout);
            register_module("linear2", _linear2);
            register_module("norm1", _norm1);
            register_module("norm2", _norm2);
            register_module("dropout1", _dropout1);
            register_module("dropout2", _dropout2);
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor output;
            if (_normFirst)
            {
                var attended = input.add(Attention(_norm1.forward(input)));
                output = attended.add(FeedForward(_norm2.forward(attended)));
            }
            else
            {
                var attended = _norm1.forward(input.add(Attention(input)));
                output = _norm2.forward(attended.add(FeedForward(attended)));
            }
            return output.MoveToOuterDisposeScope();
        }

        private Tensor Attention(Tensor x) => _dropout1.forward(_selfAttention.forward(x));

        private Tensor FeedForward(Tensor x)
        {
            var hidden = _linear1.forward(x);
            hidden = _activation == FeedForwardActivation.Gelu ? nn.functional.gelu(hidden) : nn.functional.relu(hidden);
            return _dropout2.forward(_linear2.forward(_dropout.forward(hidden)));
        }
    }
}
