namespace Portal.Engine.Evaluation;

/// <summary>
/// Accuracy, per-class precision, recall and F1, their averages, and the confusion matrix of one evaluation.
/// <para>
/// <see cref="ConfusionMatrix"/>[a][p] counts the samples of actual class a predicted as class p (rows are
/// actual, columns predicted). Per-class ratios with a zero denominator are 0 (see <see cref="ClassMetrics"/>):
/// a class the model never predicts has precision 0, as in scikit-learn with <c>zero_division=0</c>.
/// </para>
/// <para>
/// Macro averages are the unweighted means over the classes that occur among the actual or the predicted
/// labels (scikit-learn's default label set), so a class absent from both does not pull them down; weighted
/// averages weight each class by its support (weighted recall equals accuracy).
/// </para>
/// </summary>
public sealed record ClassificationReport(
    int SampleCount,
    double Accuracy,
    IReadOnlyList<ClassMetrics> Classes,
    double MacroPrecision,
    double MacroRecall,
    double MacroF1,
    double WeightedPrecision,
    double WeightedRecall,
    double WeightedF1,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix)
{
    public static ClassificationReport Compute(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0)
            throw new ArgumentException("A classification report needs at least one class name.", nameof(classNames));
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"{predicted.Length} predicted labels for {actual.Length} actual labels; they must pair up one to one.", nameof(predicted));
        if (actual.Length == 0)
            throw new ArgumentException("A classification report needs at least one sample; both label lists are empty.", nameof(actual));

        var classCount = classNames.Count;
        var confusion = new int[classCount][];
        for (var c = 0; c < classCount; c++) confusion[c] = new int[classCount];
        for (var i = 0; i < actual.Length; i++)
        {
            CheckLabel(actual[i], i, "actual", classCount);
            CheckLabel(predicted[i], i, "predicted", classCount);
            confusion[actual[i]][predicted[i]]++;
        }

        var classes = new ClassMetrics[classCount];
        var correct = 0;
        for (var c = 0; c < classCount; c++)
        {
            var truePositives = confusion[c][c];
            var support = confusion[c].Sum();
            var predictedAs = 0;
            for (var a = 0; a < classCount; a++) predictedAs += confusion[a][c];
            var precision = Ratio(truePositives, predictedAs);
            var recall = Ratio(truePositives, support);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes[c] = new ClassMetrics(c, classNames[c], precision, recall, f1, support, predictedAs);
            correct += truePositives;
        }

        var present = classes.Where(m => m.Support > 0 || m.Predicted > 0).ToArray();
        double n = actual.Length;
        return new ClassificationReport(
            actual.Length,
            correct / n,
            classes,
            present.Average(m => m.Precision),
            present.Average(m => m.Recall),
            present.Average(m => m.F1),
            classes.Sum(m => m.Support * m.Precision) / n,
            classes.Sum(m => m.Support * m.Recall) / n,
            classes.Sum(m => m.Support * m.F1) / n,
            confusion);
    }

    private static void CheckLabel(int label, int sample, string which, int classCount)
    {
        if (label < 0 || label >= classCount)
            throw new ArgumentOutOfRangeException(which, label, $"The {which} label of sample {sample} is {label}, outside the {classCount} classes 0..{classCount - 1}.");
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
