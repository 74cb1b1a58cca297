namespace Portal.Engine.Models;

/// <summary>Specs that come with the product: for Fashion-MNIST (28×28 grey images, 10 classes) and for word-level text.</summary>
public static class ReadySpecs
{
    /// <summary>784-256-128-10 perceptron, 235 146 parameters.</summary>
    public static ModelSpec FashionMlp { get; } = new("fashion-mlp", [784],
    [
        new LinearLayer(256), new ReLULayer(),
        new LinearLayer(128), new ReLULayer(),
        new LinearLayer(10),
    ]);

    /// <summary>Two conv blocks (conv-BN-ReLU-pool) and a small head, 220 426 parameters.</summary>
    public static ModelSpec FashionCnn { get; } = new("fashion-cnn", [1, 28, 28],
    [
        new Conv2dLayer(32, 3, Padding: 1), new BatchNorm2dLayer(), new ReLULayer(), new MaxPool2dLayer(2),
        new Conv2dLayer(64, 3, Padding: 1), new BatchNorm2dLayer(), new ReLULayer(), new MaxPool2dLayer(2),
        new FlattenLayer(),
        new LinearLayer(64), new ReLULayer(), new DropoutLayer(0.25),
        new LinearLayer(10),
    ]);

    /// <summary>Size of the vocabulary the text transformer's embedding covers: the word-level tokenizer's default maximum, padding and unknown included.</summary>
    public const int TextVocabulary = 8000;

    /// <summary>
    /// A small BERT-style encoder classifier for 64 word ids (padding id 0): embedding and learned positions of width
    /// 64, two post-norm encoder layers (4 heads, feed-forward 128, GELU), the mean over real tokens and a linear head
    /// for 5 classes; 583 365 parameters, most of them the embedding.
    /// </summary>
    public static ModelSpec TextTransformer { get; } = new("text-transformer", [64],
    [
        new EmbeddingLayer(TextVocabulary, 64, PaddingIndex: 0),
        new PositionalEncodingLayer(PositionalEncodingKind.Learned),
        new TransformerEncoderBlock(Heads: 4, FeedForward: 128, Layers: 2, Dropout: 0.1, Activation: FeedForwardActivation.Gelu),
        new SequencePoolLayer(SequencePooling.Mean),
        new LinearLayer(5),
    ], new TokenInput(PaddingId: 0));

    public static IReadOnlyList<ModelSpec> All { get; } = [FashionMlp, FashionCnn, TextTransformer];

    public static ModelSpec Get(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ModelSpecException($"No ready spec named '{name}'; ready specs are {string.Join(", ", All.Select(s => s.Name))}.");
}
