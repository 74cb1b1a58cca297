using System.Text.Json.Serialization;

namespace Portal.Engine.Models;

/// <summary>
/// One layer of a <see cref="ModelSpec"/>. Input sizes are never written: they follow from the spec's input
/// shape by shape inference, so changing one layer's width (e.g. structured pruning) rewrites its successor.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(LinearLayer), "linear")]
[JsonDerivedType(typeof(Conv2dLayer), "conv2d")]
[JsonDerivedType(typeof(MaxPool2dLayer), "maxpool2d")]
[JsonDerivedType(typeof(AvgPool2dLayer), "avgpool2d")]
[JsonDerivedType(typeof(BatchNorm1dLayer), "batchnorm1d")]
[JsonDerivedType(typeof(BatchNorm2dLayer), "batchnorm2d")]
[JsonDerivedType(typeof(DropoutLayer), "dropout")]
[JsonDerivedType(typeof(ReLULayer), "relu")]
[JsonDerivedType(typeof(LeakyReLULayer), "leakyrelu")]
[JsonDerivedType(typeof(GELULayer), "gelu")]
[JsonDerivedType(typeof(TanhLayer), "tanh")]
[JsonDerivedType(typeof(SigmoidLayer), "sigmoid")]
[JsonDerivedType(typeof(FlattenLayer), "flatten")]
[JsonDerivedType(typeof(AdaptiveAvgPool2dLayer), "adaptiveAvgPool2d")]
[JsonDerivedType(typeof(SoftmaxLayer), "softmax")]
[JsonDerivedType(typeof(Conv1dLayer), "conv1d")]
[JsonDerivedType(typeof(LayerNormLayer), "layerNorm")]
[JsonDerivedType(typeof(EmbeddingLayer), "embedding")]
[JsonDerivedType(typeof(PositionalEncodingLayer), "positionalEncoding")]
[JsonDerivedType(typeof(MultiHeadAttentionLayer), "multiHeadAttention")]
[JsonDerivedType(typeof(LstmLayer), "lstm")]
[JsonDerivedType(typeof(GruLayer), "gru")]
[JsonDerivedType(typeof(SequencePoolLayer), "sequencePool")]
[JsonDerivedType(typeof(SequentialBlock), "sequential")]
[JsonDerivedType(typeof(ResidualBlock), "residual")]
[JsonDerivedType(typeof(TransformerEncoderBlock), "transformerEncoder")]
public abstract record LayerSpec
{
    /// <summary>The discriminator as written in JSON, used in messages.</summary>
    [JsonIgnore]
    public abstract string Kind { get; }
}

public sealed record LinearLayer(int OutFeatures, bool Bias = true) : LayerSpec
{
    public override string Kind => "linear";
}

public sealed record Conv2dLayer(int OutChannels, int KernelSize, int Stride = 1, int Padding = 0, bool Bias = true) : LayerSpec
{
    public override string Kind => "conv2d";
}

public sealed record MaxPool2dLayer(int KernelSize, int? Stride = null) : LayerSpec
{
    public override string Kind => "maxpool2d";
}

public sealed record AvgPool2dLayer(int KernelSize, int? Stride = null) : LayerSpec
{
    public override string Kind => "avgpool2d";
}

public sealed record BatchNorm1dLayer(double Eps = 1e-5, double Momentum = 0.1) : LayerSpec
{
    public override string Kind => "batchnorm1d";
}

public sealed record BatchNorm2dLayer(double Eps = 1e-5, double Momentum = 0.1) : LayerSpec
{
    public override string Kind => "batchnorm2d";
}

public sealed record DropoutLayer(double P = 0.5) : LayerSpec
{
    public override string Kind => "dropout";
}

public sealed record ReLULayer : LayerSpec
{
    public override string Kind => "relu";
}

public sealed record LeakyReLULayer(double NegativeSlope = 0.01) : LayerSpec
{
    public override string Kind => "leakyrelu";
}

public sealed record GELULayer : LayerSpec
{
    public override string Kind => "gelu";
}

public sealed record TanhLayer : LayerSpec
{
    public override string Kind => "tanh";
}

public sealed record SigmoidLayer : LayerSpec
{
    public override string Kind => "sigmoid";
}

public sealed record FlattenLayer : LayerSpec
{
    public override string Kind => "flatten";
}

/// <summary>Average pooling of [channels, height, width] to [channels, outputSize, outputSize]; 1 is global average pooling.</summary>
public sealed record AdaptiveAvgPool2dLayer(int OutputSize = 1) : LayerSpec
{
    public override string Kind => "adaptiveAvgPool2d";
}

/// <summary>Probabilities over the last dimension, for specs whose output should be probabilities rather than logits.</summary>
public sealed record SoftmaxLayer : LayerSpec
{
    public override string Kind => "softmax";
}
