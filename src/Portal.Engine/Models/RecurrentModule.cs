using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

/// <summary>
/// libtorch's LSTM or GRU over [batch, sequence, features], giving every step's output or each sample's final
/// state. Under a padding mask the batch runs as a packed sequence, so a sample's padded steps change none of its
/// states in either direction (what ONNX's <c>sequence_lens</c> does). Parameters carry PyTorch's names
/// (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>, …), so a PyTorch nn.LSTM or nn.GRU loads them as they are.
/// </summary>
internal sealed class RecurrentModule : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module _cell;
    private readonly RecurrentSettings _settings;
    private readonly PaddingMask? _mask;

    public RecurrentModule(RecurrentSettings settings, int inputWidth, PaddingMask? mask) : base(settings.Cell.ToString())
    {
        _settings = settings;
        _mask = mask;
        _cell = settings.Cell == RecurrentCell.Lstm
            ? nn.LSTM(inputWidth, settings.HiddenSize, settings.Layers, batchFirst: true, bidirectional: settings.Bidirectional)
            : nn.GRU(inputWidth, settings.HiddenSize, settings.Layers, batchFirst: true, bidirectional: settings.Bidirectional);
        foreach (var (name, parameter) in _cell.named_parameters())
            register_parameter(name, parameter);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var lengths = _mask?.Lengths();
        Tensor output;
        if (lengths is null)
        {
            var (steps, final) = Run(input);
            output = _settings.Output == RecurrentOutput.Last ? LastLayerState(final) : steps;
        }
        else
        {
            // Packing refuses an empty sample: one with no token runs a single (padding) step and is zeroed after,
            // as ONNX gives a zero-length sample no state.
            var packed = nn.utils.rnn.pack_padded_sequence(input, lengths.clamp_min(1), batch_first: true, enforce_sorted: false);
            var (steps, final) = Run(packed);
            output = _settings.Output == RecurrentOutput.Last
                ? LastLayerState(final)
                : nn.utils.rnn.pad_packed_sequence(steps, batch_first: true, total_length: input.shape[1]).Item1;
            var nonEmpty = lengths.gt(0).to(output.dtype);
            output = output.mul(_settings.Output == RecurrentOutput.Last ? nonEmpty.unsqueeze(1) : nonEmpty.view(-1, 1, 1));
        }
        return output.MoveToOuterDisposeScope();
    }

    private (Tensor Steps, Tensor Final) Run(Tensor input)
    {
        if (_cell is LSTM lstm)
        {
            var (steps, final, _) = lstm.call(input);
            return (steps, final);
        }
        return ((GRU)_cell).call(input);
    }

    private (nn.utils.rnn.PackedSequence Steps, Tensor Final) Run(nn.utils.rnn.PackedSequence input)
    {
        if (_cell is LSTM lstm)
        {
            var (steps, final, _) = lstm.call(input);
            return (steps, final);
        }
        return ((GRU)_cell).call(input);
    }

    /// <summary>[layers·directions, batch, hidden] to the last layer's states [batch, directions·hidden], forward first.</summary>
    private Tensor LastLayerState(Tensor final)
    {
        var directions = _settings.Directions;
        var last = final.narrow(0, (_settings.Layers - 1) * directions, directions);
        return last.transpose(0, 1).reshape(last.shape[1], directions * _settings.HiddenSize);
    }

    // The cell is held, not registered (its parameters are this module's own), so its mode and moves follow by hand.
    public override void train(bool train = true)
    {
        base.train(train);
        _cell.train(train);
    }

    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        // libtorch moves a module's parameters in place, so those registered here move with the cell and stay shared.
        if (dtype is { } type) _cell.to(type, non_blocking);
        if (device is not null) _cell.to(device, non_blocking);
        base._toEpilog(dtype, device, non_blocking);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _cell.Dispose();
        base.Dispose(disposing);
    }
}
