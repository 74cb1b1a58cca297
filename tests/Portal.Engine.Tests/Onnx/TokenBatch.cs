using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Weights;
using TorchSharp;

namespace Portal.Engine.Tests.Onnx;

/// <summary>
/// Padded token ids [batch, length] for the sequence layers' tests: sample i holds a run of real ids (never the
/// padding id) followed by padding, the runs of different lengths, one of them empty when asked.
/// </summary>
internal sealed record TokenBatch(long[] Ids, int Batch, int Length)
{
    public long[] Shape => [Batch, Length];

    /// <summary>The ids as the engine's datasets hold them: float32 values.</summary>
    public float[] AsFloats => [.. Ids.Select(id => (float)id)];

    public static TokenBatch Random(int batch, int length, int vocabulary, int seed, int paddingId = 0, bool withEmptySample = false)
    {
        var random = new Random(seed);
        var ids = new long[batch * length];
        for (var b = 0; b < batch; b++)
        {
            var real = withEmptySample && b == batch - 1 ? 0 : b == 0 ? length : random.Next(1, length + 1);
            for (var t = 0; t < length; t++)
            {
                long id;
                do id = random.Next(vocabulary); while (id == paddingId);
                ids[b * length + t] = t < real ? id : paddingId;
            }
        }
        return new TokenBatch(ids, batch, length);
    }

    /// <summary>
    /// Seeded initial weights with every tensor moved away from its initial value (norm scales off one, zero biases
    /// off zero), so each tensor's export is exercised rather than an identity or a zero.
    /// </summary>
    public static ModelWeights Weights(ModelSpec spec, int seed)
    {
        var random = new Random(seed);
        return new ModelWeights(ModelInitialization.Seeded(spec, seed).Tensors.Select(t => t with { Data = [.. t.Data.Select(v => v + (float)(0.4 * (random.NextDouble() - 0.5)))] }));
    }

    /// <summary>TorchSharp's eval forward on float-held ids of this batch's own length (shorter than the spec's maximum).</summary>
    public float[] TorchForward(ModelSpec spec, ModelWeights weights)
    {
        NativeRuntime.EnsureStarted();
        using var scope = torch.NewDisposeScope();
        using var network = NetworkFactory.Build(spec);
        NetworkFactory.ImportWeights(network, weights);
        network.eval();
        using var _ = torch.no_grad();
        return network.forward(torch.tensor(AsFloats, Shape)).data<float>().ToArray();
    }

    /// <summary>ONNX Runtime directly on these int64 ids, without the engine's inference layer.</summary>
    public float[] RunOnnxRuntime(byte[] model) => OrtReference.Run(model, Ids, Shape);
}
