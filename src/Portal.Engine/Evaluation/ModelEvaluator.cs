using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using static TorchSharp.torch;

namespace Portal.Engine.Evaluation;

/// <summary>Runs a trained model over a labelled dataset in batches (eval mode, no gradients) and reports how it did.</summary>
public static class ModelEvaluator
{
    public const int DefaultBatchSize = 1000;

    public static EvaluationResult Evaluate(TrainedModel model, Dataset data, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        if (!data.IsClassification) throw new ArgumentException($"Dataset '{data.Name}' has float targets; evaluation reports classification figures.");
        data = ClassOrder.Align(data, model.ClassNames, $"Model '{model.Spec.Name}'");
        if (data.ClassNames.Count != model.ClassNames.Count)
            throw new ArgumentException($"Dataset '{data.Name}' has {data.ClassNames.Count} classes; the model predicts {model.ClassNames.Count}.");
        var (logits, _) = Predict(model, data, batchSize, cancellationToken);
        var classes = model.ClassNames.Count;
        var predicted = new int[data.Count];
        double loss = 0;
        var labels = data.Labels;
        for (var i = 0; i < data.Count; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            predicted[i] = best;
            loss += CrossEntropy(row, labels[i]);
        }
        return new EvaluationResult(loss / data.Count, ClassificationReport.Compute(predicted, labels, model.ClassNames));
    }

    /// <summary>The model's raw outputs for every sample, row-major [N, outputs].</summary>
    public static (float[] Outputs, int Width) Predict(TrainedModel model, Dataset data, int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        if (batchSize <= 0) throw new ArgumentException($"Batch size must be positive, not {batchSize}.");
        var runtime = NativeRuntime.EnsureStarted();
        NativeRuntime.ApplyToCurrentThread(runtime);
        var device = new Device(runtime.Device);
        var width = model.Spec.Infer().OutputShape.Aggregate(1, (a, b) => a * b);
        if (data.FeatureCount != model.Spec.InputShape.Aggregate(1, (a, b) => a * b))
            throw new ArgumentException($"Dataset '{data.Name}' has samples of shape [{string.Join(',', data.SampleShape)}]; model '{model.Spec.Name}' takes [{string.Join(',', model.Spec.InputShape)}].");

        var outputs = new float[checked(data.Count * width)];
        using var network = NetworkFactory.Build(model.Spec, device);
        NetworkFactory.ImportWeights(network, model.Weights);
        network.eval();
        using var tensors = new TensorDataset(data, model.Spec, model.Standardization, device);
        using var _ = no_grad();
        for (var start = 0; start < data.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var size = Math.Min(batchSize, data.Count - start);
            var output = network.forward(tensors.Features.narrow(0, start, size)).cpu().contiguous();
            output.data<float>().CopyTo(outputs, start * width);
        }
        return (outputs, width);
    }

    private static double CrossEntropy(ReadOnlySpan<float> logits, int label)
    {
        double max = logits[0];
        foreach (var v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in logits) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - logits[label];
    }
}
