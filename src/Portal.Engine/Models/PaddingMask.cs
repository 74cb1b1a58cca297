using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// The padding mask of the batch a token network is running: the embedding sets it from the token ids
/// (true where the id is the padding id) and attention, pooling and recurrent layers read it. One per network,
/// so the mask flows beside the activations without changing every module's signature.
/// </summary>
internal sealed class PaddingMask(int paddingId)
{
    private Tensor? _padded;

    public int PaddingId { get; } = paddingId;

    /// <summary>[batch, sequence] booleans, or null when the network takes float features.</summary>
    public Tensor? Padded => _padded is { IsInvalid: false } ? _padded : null;

    public void Observe(Tensor tokenIds) => _padded = tokenIds.eq(PaddingId);

    /// <summary>Valid steps per sample, [batch] int64; null without a mask.</summary>
    public Tensor? Lengths() => Padded?.logical_not().sum(1);
}
