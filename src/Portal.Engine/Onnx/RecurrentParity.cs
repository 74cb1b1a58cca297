using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Weights;
using TorchSharp;

namespace Portal.Engine.Onnx;

/// <summary>
/// How faithfully recurrent layers export: ONNX Runtime on the exported file against TorchSharp's forward pass
/// (eval mode) on the same weights and inputs. The variants measured are LSTM or GRU layers of 1 and 2 layers,
/// one or both directions, last state or every step, on token batches padded to mixed lengths and fed shorter
/// than the spec's maximum, and on a float sequence. The models benchmark reports <see cref="LstmMaxAbs"/> as
/// <c>lstm_parity_max_abs</c>.
/// </summary>
public static class RecurrentParity
{
    private const int MaximumLength = 12;
    private const int FedLength = 9;
    private const int Vocabulary = 30;

    // Mixed lengths within the fed length, one sample without any token.
    private static readonly int[] s_lengths = [9, 4, 1, 7, 0, 2, 9, 5];

    /// <summary>The largest |ONNX Runtime − TorchSharp| over the LSTM variants, weights seeded by <paramref name="seed"/>.</summary>
    public static float LstmMaxAbs(int seed = 1) => MaxAbs((layers, bidirectional, output) => new LstmLayer(6, layers, bidirectional, output), seed);

    /// <summary>The largest |ONNX Runtime − TorchSharp| over the GRU variants, weights seeded by <paramref name="seed"/>.</summary>
    public static float GruMaxAbs(int seed = 1) => MaxAbs((layers, bidirectional, output) => new GruLayer(6, layers, bidirectional, output), seed);

    /// <summary>
    /// Max |ONNX Runtime − TorchSharp| of <paramref name="onnx"/> against <paramref name="spec"/> with
    /// <paramref name="weights"/> on one batch: int64 token ids [batch, length ≤ maximum] or float features [batch, …input shape].
    /// </summary>
    public static float Measure(ModelSpec spec, ModelWeights weights, byte[] onnx, InferenceTensor input)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(input);
        using var model = InferenceModel.Load(onnx, new InferenceOptions { IntraOpThreads = 1, PreferCuda = false }, spec.Name);
        var exported = model.Run(new Dictionary<string, InferenceTensor> { [OnnxExporter.InputName] = input })[OnnxExporter.OutputName].Values<float>();
        var reference = TorchForward(spec, weights, input);
        if (exported.Length != reference.Length)
            throw new InvalidOperationException($"ONNX Runtime gave {exported.Length} values but TorchSharp {reference.Length} for '{spec.Name}'.");
        var max = 0f;
        for (var i = 0; i < exported.Length; i++)
        {
            var difference = MathF.Abs(exported[i] - reference[i]);
            if (!(difference <= max)) max = float.IsNaN(difference) ? float.PositiveInfinity : difference;
        }
        return max;
    }

    /// <summary>An embedding into 8 widths, then <paramref name="recurrent"/>, on token ids padded with 0 to 12.</summary>
    internal static ModelSpec TokenSpec(LayerSpec recurrent) =>
        new($"{recurrent.Kind}-tokens", [MaximumLength], [new EmbeddingLayer(Vocabulary, 8, PaddingIndex: 0), recurrent]) { Tokens = new TokenInput(0) };

    /// <summary><paramref name="recurrent"/> straight on float features [7 steps, 5 features].</summary>
    internal static ModelSpec FloatSpec(LayerSpec recurrent) => new($"{recurrent.Kind}-floats", [7, 5], [recurrent]);

    /// <summary>Token ids [8, 9]: each sample's tokens (1 … vocabulary − 1) up to its length, padding after.</summary>
    internal static InferenceTensor<long> PaddedTokens(int seed)
    {
        var random = new Random(seed);
        var ids = new long[s_lengths.Length * FedLength];
        for (var sample = 0; sample < s_lengths.Length; sample++)
            for (var step = 0; step < s_lengths[sample]; step++)
                ids[sample * FedLength + step] = random.Next(1, Vocabulary);
        return InferenceTensor.Create(ids, s_lengths.Length, FedLength);
    }

    /// <summary>Float features [5, 7, 5] in [−2, 2).</summary>
    internal static InferenceTensor<float> FloatSequences(int seed)
    {
        var random = new Random(seed);
        var values = new float[5 * 7 * 5];
        for (var i = 0; i < values.Length; i++) values[i] = 4 * random.NextSingle() - 2;
        return InferenceTensor.Create(values, 5, 7, 5);
    }

    private static float MaxAbs(Func<int, bool, RecurrentOutput, LayerSpec> recurrent, int seed)
    {
        var max = 0f;
        foreach (var layers in new[] { 1, 2 })
            foreach (var bidirectional in new[] { false, true })
                foreach (var output in new[] { RecurrentOutput.Last, RecurrentOutput.Sequence })
                {
                    var layer = recurrent(layers, bidirectional, output);
                    max = MathF.Max(max, Exported(TokenSpec(layer), PaddedTokens(seed), seed));
                    max = MathF.Max(max, Exported(FloatSpec(layer), FloatSequences(seed), seed));
                }
        return max;
    }

    private static float Exported(ModelSpec spec, InferenceTensor input, int seed)
    {
        var weights = ModelInitialization.Seeded(spec, seed);
        return Measure(spec, weights, OnnxExporter.Export(spec, weights), input);
    }

    private static float[] TorchForward(ModelSpec spec, ModelWeights weights, InferenceTensor input)
    {
        NativeRuntime.ApplyToCurrentThread(NativeRuntime.EnsureStarted());
        using var scope = torch.NewDisposeScope();
        using var network = NetworkFactory.Build(spec);
        NetworkFactory.ImportWeights(network, weights);
        network.eval();
        using var _ = torch.no_grad();
        long[] shape = [.. input.Shape];
        var x = input.ElementType == OnnxElementType.Int64
            ? torch.tensor(input.Values<long>().ToArray(), shape)
            : torch.tensor(input.Values<float>().ToArray(), shape);
        return network.forward(x).data<float>().ToArray();
    }
}
