using Portal.Engine.Data;
using Portal.Engine.Models;

namespace Portal.Engine.Training;

/// <summary>Checks that data, spec and loss fit together before anything native runs.</summary>
internal static class TrainingDataCheck
{
    public static void Validate(TrainingRequest request)
    {
        var spec = request.Spec;
        var report = spec.Infer();
        if (request.FineTuning is { } fineTuning)
        {
            if (request.InitialWeights is not null)
                throw new ArgumentException("A run starts from initial weights or fine-tunes a parent model, not both.");
            FineTuning.CheckSpec(fineTuning.Parent.Spec, spec);
        }
        var inputCount = spec.InputShape.Aggregate(1, (a, b) => a * b);
        foreach (var (data, role) in new[] { (request.Train, "training"), (request.Validation, "validation") })
        {
            if (data is null) continue;
            if (data.FeatureCount != inputCount)
                throw new ArgumentException($"The {role} data '{data.Name}' has samples of shape [{string.Join(',', data.SampleShape)}] ({data.FeatureCount} values) but model '{spec.Name}' takes [{string.Join(',', spec.InputShape)}] ({inputCount} values).");
            if (data.IsClassification != request.Train.IsClassification)
                throw new ArgumentException($"The {role} data '{data.Name}' and the training data disagree on classes versus targets.");
        }
        if (request.Validation is { } validation && ClassOrder.Mismatch(request.Train.ClassNames, $"The training data '{request.Train.Name}'", validation) is { } reason)
            throw new ArgumentException($"The validation data's classes differ: {reason}.");
        if (request.Train.Count == 0) throw new ArgumentException($"The training data '{request.Train.Name}' is empty.");

        var output = report.OutputShape;
        switch (request.Options.Loss)
        {
            case LossKind.CrossEntropy:
                if (!request.Train.IsClassification)
                    throw new ArgumentException($"Cross-entropy needs class labels; '{request.Train.Name}' has float targets (use MeanSquaredError).");
                if (output.Count != 1 || output[0] != request.Train.ClassNames.Count)
                    throw new ArgumentException($"Model '{spec.Name}' outputs [{string.Join(',', output)}] but the data has {request.Train.ClassNames.Count} classes: the last layer must output [{request.Train.ClassNames.Count}].");
                break;
            case LossKind.MeanSquaredError:
                if (request.Train.IsClassification)
                    throw new ArgumentException($"Mean squared error needs float targets; '{request.Train.Name}' has class labels (use CrossEntropy).");
                if (output.Count != 1 || output[0] != request.Train.TargetWidth)
                    throw new ArgumentException($"Model '{spec.Name}' outputs [{string.Join(',', output)}] but the targets have width {request.Train.TargetWidth}.");
                break;
        }
    }
}
