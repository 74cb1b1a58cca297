using Portal.Engine.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>
/// A dataset held as two tensors on the training device: features shaped [N, ..input shape] (standardised
/// in place when a standardisation is given) and int64 class indices or float targets.
/// </summary>
internal sealed class TensorDataset : IDisposable
{
    public TensorDataset(Dataset data, IReadOnlyList<int> inputShape, FeatureStandardization? standardization, Device device)
    {
        Count = data.Count;
        var shape = new long[inputShape.Count + 1];
        shape[0] = data.Count;
        for (var i = 0; i < inputShape.Count; i++) shape[i + 1] = inputShape[i];

        var features = tensor(data.FeatureArray, shape);
        if (standardization is not null)
        {
            using var scope = NewDisposeScope();
            var statShape = standardization.Mode == StandardizationMode.PerChannel
                ? new long[] { standardization.Mean.Length, 1, 1 }
                : [.. inputShape.Select(d => (long)d)];
            features.sub_(tensor(standardization.Mean).reshape(statShape)).div_(tensor(standardization.Std).reshape(statShape));
        }
        Features = device.type == DeviceType.CPU ? features : MoveTo(features, device);
        Targets = data.IsClassification
            ? tensor(data.LabelArray!.Select(l => (long)l).ToArray(), [data.Count], ScalarType.Int64)
            : tensor(data.TargetArray!, [data.Count, data.TargetWidth]);
        if (device.type != DeviceType.CPU) Targets = MoveTo(Targets, device);
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
