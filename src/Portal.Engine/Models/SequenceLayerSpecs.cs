namespace Portal.Engine.Models;

// Sequence layers take and give [sequence, width] per sample (channels last, as a transformer sees tokens).
// The padding mask of a token input flows alongside: attention, pooling and recurrent layers skip padded positions.

/// <summary>Token ids [sequence] to vectors [sequence, width]; the padding index maps to a zero vector that is never trained.</summary>
public sealed record EmbeddingLayer(int Vocabulary, int Width, int? PaddingIndex = null) : LayerSpec
{
    public override string Kind => "embedding";
}

public enum PositionalEncodingKind
{
    Learned,
    Sinusoidal,
}

/// <summary>Adds a position vector to each step of [sequence, width]: trained (one per position up to the input's maximum length) or fixed sinusoids.</summary>
public sealed record PositionalEncodingLayer(
    PositionalEncodingKind Encoding = PositionalEncodingKind.Learned) : LayerSpec
{
    public override string Kind => "positionalEncoding";
}

/// <summary>Normalises the last dimension to zero mean and unit variance, then scales and shifts it.</summary>
public sealed record LayerNormLayer(double Eps = 1e-5) : LayerSpec
{
    public override string Kind => "layerNorm";
}

/// <summary>Self-attention over [sequence, width] with <see cref="Heads"/> heads; padded keys get no attention.</summary>
public sealed record MultiHeadAttentionLayer(int Heads, double Dropout = 0, bool Bias = true) : LayerSpec
{
    public override string Kind => "multiHeadAttention";
}

public enum RecurrentOutput
{
    /// <summary>The last valid step's state [hidden] (both directions' final states, concatenated, when bidirectional).</summary>
    Last,

    /// <summary>Every step's output [sequence, hidden] ([sequence, 2·hidden] when bidirectional).</summary>
    Sequence,
}

/// <summary>A long short-term memory network of <see cref="Layers"/> stacked layers over [sequence, features], as PyTorch's nn.LSTM.</summary>
public sealed record LstmLayer(
    int HiddenSize,
    int Layers = 1,
    bool Bidirectional = false,
    RecurrentOutput Output = RecurrentOutput.Last) : LayerSpec
{
    public override string Kind => "lstm";
}

/// <summary>A gated recurrent unit network of <see cref="Layers"/> stacked layers over [sequence, features], as PyTorch's nn.GRU.</summary>
public sealed record GruLayer(
    int HiddenSize,
    int Layers = 1,
    bool Bidirectional = false,
    RecurrentOutput Output = RecurrentOutput.Last) : LayerSpec
{
    public override string Kind => "gru";
}

/// <summary>Convolution along the sequence of [sequence, channels], giving [sequence', outChannels].</summary>
public sealed record Conv1dLayer(int OutChannels, int KernelSize, int Stride = 1, int Padding = 0, bool Bias = true) : LayerSpec
{
    public override string Kind => "conv1d";
}

public enum SequencePooling
{
    /// <summary>The mean over the valid (unpadded) steps.</summary>
    Mean,

    /// <summary>The first step (a CLS token).</summary>
    First,
}

/// <summary>[sequence, width] to [width].</summary>
public sealed record SequencePoolLayer(
    SequencePooling Pooling = SequencePooling.Mean) : LayerSpec
{
    public override string Kind => "sequencePool";
}
