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

    /// <summary>
    /// A small residual CNN: a 3×3 stem, then two residual stages of two blocks each (64 channels at 14×14, 128 at
    /// 7×7), each block two 3×3 convolutions, the first block of a stage entered through a 1×1 projection; global
    /// average pooling and a linear head. <see cref="ReadyTraining"/> gives the recipe that trains it.
    /// </summary>
    public static ModelSpec FashionResnet { get; } = new("fashion-resnet", [1, 28, 28],
    [
        new Conv2dLayer(32, 3, Padding: 1, Bias: false), new BatchNorm2dLayer(), new ReLULayer(), new MaxPool2dLayer(2),
        Block(64, stride: 1, projected: true), new ReLULayer(), Block(64, stride: 1, projected: false), new ReLULayer(),
        Block(128, stride: 2, projected: true), new ReLULayer(), Block(128, stride: 1, projected: false), new ReLULayer(),
        new AdaptiveAvgPool2dLayer(), new FlattenLayer(),
        new LinearLayer(10),
    ]);

    /// <summary>Size of the vocabulary the text transformer's embedding covers: the word-level tokenizer's default maximum, padding and unknown included.</summary>
    public const int TextVocabulary = 8000;

    /// <summary>
    /// A small BERT-style encoder classifier for 64 word ids (padding id 0) in BERT-tiny's shape: embedding and learned
    /// positions of width 128, two post-norm encoder layers (2 heads, feed-forward 512, GELU), the mean over real
    /// tokens and a linear head for 5 classes. Narrower encoders fit fortunes no better, and spend most of a run
    /// outside their matrix products, where neither batching nor int8 can help.
    /// </summary>
    public static ModelSpec TextTransformer { get; } = new("text-transformer", [64],
    [
        new EmbeddingLayer(TextVocabulary, 128, PaddingIndex: 0),
        new PositionalEncodingLayer(PositionalEncodingKind.Learned),
        new TransformerEncoderBlock(Heads: 2, FeedForward: 512, Layers: 2, Dropout: 0.1, Activation: FeedForwardActivation.Gelu),
        new SequencePoolLayer(SequencePooling.Mean),
        new LinearLayer(5),
    ], new TokenInput(PaddingId: 0));

    public static IReadOnlyList<ModelSpec> All { get; } = [FashionMlp, FashionCnn, FashionResnet, TextTransformer];

    public static ModelSpec Get(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ModelSpecException($"No ready spec named '{name}'; ready specs are {string.Join(", ", All.Select(s => s.Name))}.");

    /// <summary>
    /// conv-BN-ReLU-conv-BN summed with its input, or with a strided 1×1 projection of it (conv-BN) where the block
    /// changes the channels or the size, as in ResNet's basic blocks.
    /// </summary>
    private static ResidualBlock Block(int channels, int stride, bool projected) => new(
        [
            new Conv2dLayer(channels, 3, stride, Padding: 1, Bias: false), new BatchNorm2dLayer(), new ReLULayer(),
            new Conv2dLayer(channels, 3, Padding: 1, Bias: false), new BatchNorm2dLayer(),
        ],
        projected ? [new Conv2dLayer(channels, 1, stride, Bias: false), new BatchNorm2dLayer()] : null);
}
