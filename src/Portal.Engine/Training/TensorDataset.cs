using Portal.Engine.Data;
using Portal.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>
/// A dataset held as two tensors on the training device: features shaped [N, ..input shape] (standardised
/// in place when a standardisation is given), or int64 token ids [N, length] for a token spec, converted once
/// here; and int64 class indices or float targets.
/// </summary>
internal sealed class TensorDataset : IDisposable
{
    public TensorDataset(Dataset data, ModelSpec spec, FeatureStandardization? standardization, Device device)
    {
        Count = data.Count;
        var modelView = spec.Tokens is null ? FloatFeatures(data, spec.InputShape, standardization) : TokenIds(data, spec, standardization);
        Features = device.type == DeviceType.CPU ? modelView : MoveTo(modelView, device);
        Targets = data.IsClassification
            ? tensor(data.LabelArray!.Select(l => (long)l).ToArray(), [data.Count], ScalarType.Int64)
            : tensor(data.TargetArray!, [data.Count, data.TargetWidth]);
        if (device.type != DeviceType.CPU) Targets = MoveTo(Targets, device);
    }

    private static Tensor FloatFeatures(Dataset data, IReadOnlyList<int> inputShape, FeatureStandardization? standardization)
    {
        // Statistics apply in the data's own sample shape ([C,H,W] for per-channel); the model may view it differently ([784]).
        var features = tensor(data.FeatureArray, [data.Count, .. data.SampleShape.Select(d => (long)d)]);
        if (standardization is not null)
        {
            using var scope = NewDisposeScope();
            var statShape = standardization.Mode == StandardizationMode.PerChannel
                ? new long[] { standardization.Mean.Length, 1, 1 }
                : [.. data.SampleShape.Select(d => (long)d)];
            features.sub_(tensor(standardization.Mean).reshape(statShape)).div_(tensor(standardization.Std).reshape(statShape));
        }
        var modelView = features.reshape([data.Count, .. inputShape.Select(d => (long)d)]);
        features.Dispose();
        return modelView;
    }

    private static Tensor TokenIds(Dataset data, ModelSpec spec, FeatureStandardization? standardization)
    {
        if (standardization is not null)
            throw new ArgumentException($"Model '{spec.Name}' takes token ids, which are categories: a feature standardisation does not apply to them.");
        var ids = new long[data.FeatureArray.Length];
        if (TokenIdValues.Convert(data.FeatureArray, ids, data.FeatureCount, TokenIdValues.Vocabulary(spec)) is { } problem)
            throw new ArgumentException($"Dataset '{data.Name}' {problem}.");
        return tensor(ids, [data.Count, spec.InputShape[0]], ScalarType.Int64);
    }

    public int Count { get; }
    public Tensor Features { get; }
    public Tensor Targets { get; }

    private static Tensor MoveTo(Tensor t, Device device)
    {
        var moved = t.to(device);
        t.Dispose();
        return moved;
    }

    public void Dispose()
    {
        Features.Dispose();
        Targets.Dispose();
    }
}
