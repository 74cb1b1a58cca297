using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Tests;

/// <summary>
/// Made-up sentences of token ids whose class only attention to one token tells, and the small transformer encoder
/// that learns them: the text models' shape, small enough for a test.
/// </summary>
internal static class MarkerSentences
{
    public const int Length = 10;
    public const int Vocabulary = 30;

    /// <summary>A one-layer transformer encoder over token ids, mean-pooled, with a linear head for the three classes.</summary>
    public static readonly ModelSpec Encoder = new("tiny-encoder", [Length],
    [
        new EmbeddingLayer(Vocabulary, 16, PaddingIndex: 0),
        new PositionalEncodingLayer(),
        new TransformerEncoderBlock(Heads: 2, FeedForward: 32, Layers: 1, Dropout: 0.1),
        new SequencePoolLayer(),
        new LinearLayer(3),
    ], new TokenInput(PaddingId: 0));

    /// <summary>
    /// Sentences of random filler ids (6…29) padded with 0, each holding its class's marker id (3 + class) at a random
    /// place.
    /// </summary>
    public static Dataset Generate(int count, int seed)
    {
        var random = new Random(seed);
        var ids = new float[count * Length];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            var real = random.Next(3, Length + 1);
            for (var t = 0; t < real; t++) ids[i * Length + t] = random.Next(6, Vocabulary);
            ids[i * Length + random.Next(real)] = 3 + labels[i];
        }
        return new Dataset("sentences", ids, [Length], labels, ["first", "second", "third"]);
    }
}
