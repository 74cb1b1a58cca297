namespace Portal.Engine.Models;

internal enum RecurrentCell
{
    Lstm,
    Gru,
}

/// <summary>What an <see cref="LstmLayer"/> or a <see cref="GruLayer"/> asks for, read the same way by shape inference, the network and the export.</summary>
internal sealed record RecurrentSettings(RecurrentCell Cell, int HiddenSize, int Layers, bool Bidirectional, RecurrentOutput Output)
{
    /// <summary>Gate blocks stacked in each weight: input, forget, cell and output for an LSTM; reset, update and new for a GRU.</summary>
    public int Gates => Cell == RecurrentCell.Lstm ? 4 : 3;

    public int Directions => Bidirectional ? 2 : 1;

    public int OutputWidth => HiddenSize * Directions;

    public static RecurrentSettings Of(LayerSpec layer) => layer switch
    {
        LstmLayer l => new(RecurrentCell.Lstm, l.HiddenSize, l.Layers, l.Bidirectional, l.Output),
        GruLayer g => new(RecurrentCell.Gru, g.HiddenSize, g.Layers, g.Bidirectional, g.Output),
        _ => throw new ArgumentException($"{layer.Kind} is not a recurrent layer.", nameof(layer)),
    };

    /// <summary>
    /// Trainable parameters, as libtorch counts them: per layer and direction, input and hidden weights
    /// [gates·hidden, width] and [gates·hidden, hidden] and two biases [gates·hidden].
    /// </summary>
    public long Parameters(int inputWidth)
    {
        long parameters = 0;
        for (var k = 0; k < Layers; k++)
        {
            var width = k == 0 ? inputWidth : OutputWidth;
            parameters += Directions * (long)Gates * HiddenSize * (width + HiddenSize + 2);
        }
        return parameters;
    }
}
