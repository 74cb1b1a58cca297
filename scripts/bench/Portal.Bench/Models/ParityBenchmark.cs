using System.Globalization;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;

namespace Portal.Bench.Models;

/// <summary>
/// lstm-parity: the largest |ONNX Runtime − TorchSharp| over the engine's LSTM variants (1 and 2 layers, one or both
/// directions, last state or every step, padded token batches fed shorter than the maximum, and float sequences),
/// as <see cref="RecurrentParity"/> measures it; models.sh reports it as lstm_parity_max_abs (GRU's beside it).
/// </summary>
internal static class ParityBenchmark
{
    public static Task<int> Lstm(string[] args)
    {
        NativeRuntime.EnsureStarted();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FIGURE lstm_parity_max_abs={RecurrentParity.LstmMaxAbs():0.###e+0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FIGURE gru_parity_max_abs={RecurrentParity.GruMaxAbs():0.###e+0}"));
        return Task.FromResult(0);
    }
}
