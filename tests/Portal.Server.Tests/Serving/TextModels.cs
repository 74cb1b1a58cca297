using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// A small Portal text classifier as registration stores one: a masked transformer over token ids [batch, ≤12] to
/// 3 classes, exported with its tokenizer and class names, and what it answers computed the way training reads texts
/// (<see cref="TextEncoding.TokenIds"/>, padded to the full length) through the engine's own run.
/// </summary>
internal static class TextModels
{
    public const int MaxLength = 12;

    public static readonly string[] Classes = ["money", "sport", "weather"];

    private static readonly string[] s_corpus =
    [
        "the bank raised the loan rate", "stock prices fell at the market", "bond yields and the price of money",
        "the team scored a late goal", "the coach praised the league match", "a penalty decided the score",
        "rain and wind all day", "a sunny morning then snow", "the storm brought cold rain",
    ];

    public static WordTokenizer Tokenizer { get; } = WordTokenizer.Build(
        new TextDataset("corpus", s_corpus, [0, 0, 0, 1, 1, 1, 2, 2, 2], Classes), new VocabularyOptions { MinCount = 1 });

    public static ModelSpec Spec { get; } = new("tiny-text", [MaxLength],
    [
        new EmbeddingLayer(Tokenizer.VocabularySize, 8, PaddingIndex: 0),
        new PositionalEncodingLayer(),
        new TransformerEncoderBlock(Heads: 2, FeedForward: 16),
        new SequencePoolLayer(),
        new LinearLayer(Classes.Length),
    ], new TokenInput(PaddingId: 0));

    /// <summary>The exported file; without <paramref name="tokenizer"/> it takes token ids only, as a file of another exporter would.</summary>
    public static byte[] Onnx(int seed = 1, bool tokenizer = true) => OnnxExporter.Export(Spec, ModelInitialization.Seeded(Spec, seed),
        new OnnxExportOptions { ClassLabels = Classes, Tokenizer = tokenizer ? Tokenizer.ToJson() : null });

    /// <summary>Each text's token ids as training reads them: the first 12, then padding to 12.</summary>
    public static long[][] TrainingIds(IReadOnlyList<string> texts)
    {
        var features = TextEncoding.TokenIds(new TextDataset("texts", texts, new int[texts.Count], Classes), Tokenizer, MaxLength).Features;
        var ids = new long[texts.Count][];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = new long[MaxLength];
            for (var t = 0; t < MaxLength; t++) ids[i][t] = (long)features[i * MaxLength + t];
        }
        return ids;
    }

    /// <summary>The logits [texts, classes] the file gives for the texts read as training reads them.</summary>
    public static float[] Logits(byte[] onnx, IReadOnlyList<string> texts)
    {
        using var model = InferenceModel.Load(onnx, new InferenceOptions { IntraOpThreads = 1, PreferCuda = false });
        var ids = TrainingIds(texts).SelectMany(r => r).ToArray();
        var result = model.Run(new Dictionary<string, InferenceTensor> { ["input"] = InferenceTensor.Create(ids, texts.Count, MaxLength) });
        return result["output"].Values<float>().ToArray();
    }

    /// <summary>Softmax of each row of <paramref name="logits"/>, in double.</summary>
    public static double[][] Softmax(float[] logits, int classes) =>
        [.. logits.Chunk(classes).Select(row =>
        {
            var max = row.Max();
            var exp = row.Select(v => Math.Exp(v - max)).ToArray();
            return exp.Select(e => e / exp.Sum()).ToArray();
        })];
}
