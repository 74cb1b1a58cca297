using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// The scale an embedding starts at: N(0, 1/√width) with the padding row zero, as fairseq's transformer does, instead
/// of libtorch's N(0, 1). At unit scale the rows of words a small corpus shows only a few times stay large random
/// vectors that training barely moves, and they swamp the mean a sequence pool takes at evaluation.
/// </summary>
internal static class EmbeddingInitialization
{
    public static void Apply(Embedding embedding, EmbeddingLayer spec)
    {
        using var _ = no_grad();
        var weight = embedding.weight!;
        weight.normal_(0, 1 / Math.Sqrt(spec.Width));
        if (spec.PaddingIndex is not { } padding) return;
        using var paddingRow = weight[padding];
        paddingRow.zero_();
    }
}
