using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Engine.Evaluation;

/// <summary>
/// Accuracy and the classification report of an ONNX model on a labelled dataset, run by ONNX Runtime: the one way
/// Portal scores an ONNX file, for a version's evidence, an evaluation job and a compression report alike (imported
/// files have no spec to rebuild in TorchSharp). The model gets the dataset's raw features and its first output is
/// read as one score per class (logits or probabilities: the arg-max is the same). A token model gets the dataset's
/// ids (held as floats) as int64. A model that names its classes
/// (the <c>portal.class_labels</c> metadata) is scored by name: the dataset's labels are renumbered into the model's
/// order, and a dataset with other class names is refused.
/// </summary>
public static class OnnxEvaluator
{
    public const int BatchSize = 256;

    /// <summary>Why the model cannot be evaluated on the data, or null when it can.</summary>
    public static string? Misfit(InferenceModel model, Dataset data)
    {
        if (!data.IsClassification) return $"dataset '{data.Name}' has float targets, not class labels";
        if (model.Batched is not { } signature)
            return $"model '{model.Name}' does not take one float32 input [batch, …fixed] or int64 token ids [batch, sequence] with a float32 output [batch, …fixed]";
        if (signature.Misfit(data.FeatureCount) is { } misfit)
            return $"model '{model.Name}' takes {model.Inputs[0]} but dataset '{data.Name}' has samples [{string.Join(',', data.SampleShape)}] ({data.FeatureCount} values): {misfit}";
        IReadOnlyList<string> modelClasses;
        try
        {
            modelClasses = model.Info.ClassLabels ?? [];
        }
        catch (OnnxFormatException e)
        {
            return $"model '{model.Name}' names its classes unreadably: {e.Message}";
        }
        if (ClassOrder.Mismatch(modelClasses, $"model '{model.Name}'", data) is { } classes) return classes;
        if (signature.OutputValuesPerSample != data.ClassNames.Count)
            return $"model '{model.Name}' gives {model.Outputs[0]} ({signature.OutputValuesPerSample} values per sample) but dataset '{data.Name}' has {data.ClassNames.Count} classes";
        return null;
    }

    public static ClassificationReport Evaluate(InferenceModel model, Dataset data, CancellationToken ct)
    {
        if (Misfit(model, data) is { } reason) throw new ArgumentException($"Cannot evaluate on this dataset: {reason}.");
        data = ClassOrder.Align(data, model.Info.ClassLabels ?? [], $"model '{model.Name}'");
        var signature = model.Batched!;
        var perSample = data.FeatureCount;
        var classes = signature.OutputValuesPerSample;
        var batch = (int)(signature.FixedBatch ?? BatchSize);
        var padded = signature.FixedBatch is null ? null : new float[batch * perSample];
        var output = new float[batch * classes];
        var predicted = new int[data.Count];
        for (var start = 0; start < data.Count; start += batch)
        {
            ct.ThrowIfCancellationRequested();
            var size = Math.Min(batch, data.Count - start);
            var features = data.Features.Slice(start * perSample, size * perSample);
            if (padded is null)
            {
                model.Run(features, size, output);
            }
            else
            {
                // A fixed-batch model takes whole batches: the tail is padded with zeros and their scores ignored.
                features.CopyTo(padded);
                padded.AsSpan(features.Length).Clear();
                model.Run(padded, batch, output);
            }
            for (var i = 0; i < size; i++) predicted[start + i] = ArgMax(output.AsSpan(i * classes, classes));
        }
        return ClassificationReport.Compute(predicted, data.Labels, data.ClassNames);
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
        return best;
    }
}
