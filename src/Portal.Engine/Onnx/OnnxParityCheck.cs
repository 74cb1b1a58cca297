using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Weights;
using TorchSharp;

namespace Portal.Engine.Onnx;

/// <summary>Outputs of an exported file compared with the network it came from, on the same samples.</summary>
public sealed record OnnxParityReport(int Samples, float MaxAbsDifference, float[] ReferenceOutputs);

/// <summary>
/// Evidence that an export is faithful: ONNX Runtime on the exported file against TorchSharp's forward pass
/// (eval mode) on the same weights and the same raw samples.
/// </summary>
public static class OnnxParityCheck
{
    /// <param name="rawSamples">Samples as callers send them: the file standardises them itself, TorchSharp gets them standardised here. Token ids as float values for a token spec.</param>
    public static OnnxParityReport Measure(ModelSpec spec, ModelWeights weights, byte[] onnx, ReadOnlySpan<float> rawSamples, FeatureStandardization? standardization = null, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (spec.Tokens is not null && standardization is not null)
            throw new ArgumentException($"Model '{spec.Name}' takes token ids, which are never standardised; measure it without a standardisation.", nameof(standardization));
        var report = spec.Infer();
        var featureCount = spec.InputShape.Aggregate(1, (a, b) => a * b);
        var outputCount = report.OutputShape.Aggregate(1, (a, b) => a * b);
        if (rawSamples.Length == 0 || rawSamples.Length % featureCount != 0)
            throw new ArgumentException($"{rawSamples.Length} values are not a whole, non-zero number of samples of {featureCount} features for '{spec.Name}'.", nameof(rawSamples));
        var samples = rawSamples.Length / featureCount;

        using var model = InferenceModel.Load(onnx, new InferenceOptions { IntraOpThreads = 1, PreferCuda = false }, spec.Name);
        var exported = model.Run(rawSamples, samples);
        var reference = TorchForward(spec, weights, rawSamples, samples, standardization, batchSize);

        var max = 0f;
        for (var i = 0; i < exported.Length; i++)
        {
            var difference = MathF.Abs(exported[i] - reference[i]);
            if (!(difference <= max)) max = float.IsNaN(difference) ? float.PositiveInfinity : difference;
        }
        return new OnnxParityReport(samples, max, reference.Length == samples * outputCount ? reference : throw new InvalidOperationException("TorchSharp returned an unexpected number of outputs."));
    }

    private static float[] TorchForward(ModelSpec spec, ModelWeights weights, ReadOnlySpan<float> rawSamples, int samples, FeatureStandardization? standardization, int batchSize)
    {
        NativeRuntime.EnsureStarted();
        var input = rawSamples.ToArray();
        standardization?.ApplyInPlace(input);
        var featureCount = input.Length / samples;
        var outputs = new List<float>();
        using var network = NetworkFactory.Build(spec);
        NetworkFactory.ImportWeights(network, weights);
        network.eval();
        using var _ = torch.no_grad();
        for (var start = 0; start < samples; start += batchSize)
        {
            var count = Math.Min(batchSize, samples - start);
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(input.AsSpan(start * featureCount, count * featureCount).ToArray(), [count, .. spec.InputShape.Select(d => (long)d)]);
            outputs.AddRange(network.forward(x).data<float>().ToArray());
        }
        return [.. outputs];
    }
}
