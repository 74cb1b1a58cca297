using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>[batch, sequence, width] to [batch, width]: the mean over unpadded steps, or the first step.</summary>
internal sealed class SequencePool(SequencePooling pooling, PaddingMask? mask) : nn.Module<Tensor, Tensor>("SequencePool")
{
    public override Tensor forward(Tensor input)
    {
        if (pooling == SequencePooling.First) return input.select(1, 0);
        using var scope = NewDisposeScope();
        if (mask?.Padded is not { } padded) return input.mean([1]).MoveToOuterDisposeScope();
        var valid = padded.logical_not().unsqueeze(-1).to(input.dtype);
        var count = valid.sum(1).clamp_min(1);
        return input.mul(valid).sum(1).div_(count).MoveToOuterDisposeScope();
    }
}
