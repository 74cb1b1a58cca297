namespace Portal.Engine.Models;

/// <summary>Specs that come with the product, for Fashion-MNIST (28×28 grey images, 10 classes).</summary>
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

    public static IReadOnlyList<ModelSpec> All { get; } = [FashionMlp, FashionCnn];

    public static ModelSpec Get(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ModelSpecException($"No ready spec named '{name}'; ready specs are {string.Join(", ", All.Select(s => s.Name))}.");
}
