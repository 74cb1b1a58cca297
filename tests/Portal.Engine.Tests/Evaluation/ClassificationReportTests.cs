using System.Text.Json;
using Portal.Engine.Evaluation;

namespace Portal.Engine.Tests.Evaluation;

public class ClassificationReportTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Three_class_example_matches_the_hand_computation()
    {
        int[] actual = [0, 0, 0, 0, 1, 1, 2, 2, 2, 1];
        int[] predicted = [0, 0, 1, 2, 1, 0, 2, 2, 1, 1];

        var report = ClassificationReport.Compute(predicted, actual, ["cat", "dog", "bird"]);

        // Rows actual, columns predicted:
        //   actual 0 (samples 0-3) predicted 0,0,1,2 → [2,1,1]
        //   actual 1 (samples 4,5,9) predicted 1,0,1 → [1,2,0]
        //   actual 2 (samples 6-8) predicted 2,2,1 → [0,1,2]
        Assert.Equal([2, 1, 1], report.ConfusionMatrix[0]);
        Assert.Equal([1, 2, 0], report.ConfusionMatrix[1]);
        Assert.Equal([0, 1, 2], report.ConfusionMatrix[2]);
        Assert.Equal(10, report.SampleCount);
        Assert.Equal(6.0 / 10, report.Accuracy, Tolerance);

        // cat: TP 2, predicted 3 (column 0), support 4 → P 2/3, R 1/2, F1 = 2·(1/3)/(7/6) = 4/7
        AssertClass(report.Classes[0], 0, "cat", 2.0 / 3, 1.0 / 2, 4.0 / 7, support: 4, predicted: 3);
        // dog: TP 2, predicted 4, support 3 → P 1/2, R 2/3, F1 4/7
        AssertClass(report.Classes[1], 1, "dog", 1.0 / 2, 2.0 / 3, 4.0 / 7, support: 3, predicted: 4);
        // bird: TP 2, predicted 3, support 3 → P 2/3, R 2/3, F1 2/3
        AssertClass(report.Classes[2], 2, "bird", 2.0 / 3, 2.0 / 3, 2.0 / 3, support: 3, predicted: 3);

        // Macro: (2/3 + 1/2 + 2/3)/3 = 11/18; (1/2 + 2/3 + 2/3)/3 = 11/18; (4/7 + 4/7 + 2/3)/3 = 38/63
        Assert.Equal(11.0 / 18, report.MacroPrecision, Tolerance);
        Assert.Equal(11.0 / 18, report.MacroRecall, Tolerance);
        Assert.Equal(38.0 / 63, report.MacroF1, Tolerance);
        // Weighted by support 4,3,3: P (8/3 + 3/2 + 2)/10 = 37/60; R (2 + 2 + 2)/10 = 0.6; F1 (16/7 + 12/7 + 2)/10 = 0.6
        Assert.Equal(37.0 / 60, report.WeightedPrecision, Tolerance);
        Assert.Equal(0.6, report.WeightedRecall, Tolerance);
        Assert.Equal(0.6, report.WeightedF1, Tolerance);
    }

    [Fact]
    public void A_class_never_predicted_has_precision_zero_and_counts_in_the_macro_average()
    {
        int[] actual = [0, 1, 2, 2];
        int[] predicted = [0, 1, 1, 1];

        var report = ClassificationReport.Compute(predicted, actual, ["a", "b", "c"]);

        // c: never predicted → precision 0 by definition; TP 0 of support 2 → recall 0; F1 0.
        AssertClass(report.Classes[2], 2, "c", 0, 0, 0, support: 2, predicted: 0);
        // b: TP 1, predicted 3, support 1 → P 1/3, R 1, F1 = 2·(1/3)/(4/3) = 1/2
        AssertClass(report.Classes[1], 1, "b", 1.0 / 3, 1, 0.5, support: 1, predicted: 3);
        Assert.Equal((1 + 1.0 / 3 + 0) / 3, report.MacroPrecision, Tolerance);
        Assert.Equal((1 + 1 + 0) / 3.0, report.MacroRecall, Tolerance);
        Assert.Equal((1 + 0.5 + 0) / 3, report.MacroF1, Tolerance);
        Assert.Equal(0.5, report.Accuracy, Tolerance);
    }

    [Fact]
    public void A_class_absent_from_actual_and_predicted_is_reported_but_left_out_of_macro_averages()
    {
        int[] actual = [0, 0, 1];
        int[] predicted = [0, 1, 1];

        var report = ClassificationReport.Compute(predicted, actual, ["a", "b", "unused"]);

        AssertClass(report.Classes[2], 2, "unused", 0, 0, 0, support: 0, predicted: 0);
        // a: P 1/1, R 1/2, F1 2/3; b: P 1/2, R 1/1, F1 2/3 — averaged over a and b only.
        Assert.Equal(0.75, report.MacroPrecision, Tolerance);
        Assert.Equal(0.75, report.MacroRecall, Tolerance);
        Assert.Equal(2.0 / 3, report.MacroF1, Tolerance);
        Assert.Equal([0, 0, 0], report.ConfusionMatrix[2]);
    }

    [Fact]
    public void A_class_predicted_but_never_actual_has_recall_zero()
    {
        var report = ClassificationReport.Compute([1, 1], [0, 0], ["a", "b"]);

        AssertClass(report.Classes[1], 1, "b", 0, 0, 0, support: 0, predicted: 2);
        AssertClass(report.Classes[0], 0, "a", 0, 0, 0, support: 2, predicted: 0);
        Assert.Equal(0, report.Accuracy);
        Assert.Equal(0, report.MacroF1);
    }

    [Fact]
    public void Perfect_prediction_scores_one_everywhere_with_a_diagonal_matrix()
    {
        int[] labels = [2, 0, 1, 1, 2, 2];

        var report = ClassificationReport.Compute(labels, labels, ["x", "y", "z"]);

        Assert.Equal(1, report.Accuracy);
        Assert.All(report.Classes, c => Assert.Equal((1.0, 1.0, 1.0), (c.Precision, c.Recall, c.F1)));
        Assert.Equal([1, 2, 3], report.Classes.Select(c => c.Support));
        Assert.Equal((1.0, 1.0, 1.0), (report.MacroPrecision, report.MacroRecall, report.MacroF1));
        Assert.Equal((1.0, 1.0, 1.0), (report.WeightedPrecision, report.WeightedRecall, report.WeightedF1));
        Assert.Equal([1, 0, 0], report.ConfusionMatrix[0]);
        Assert.Equal([0, 2, 0], report.ConfusionMatrix[1]);
        Assert.Equal([0, 0, 3], report.ConfusionMatrix[2]);
    }

    [Fact]
    public void Empty_input_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationReport.Compute([], [], ["a"]));
        Assert.Contains("at least one sample", error.Message);
    }

    [Fact]
    public void Label_lists_of_different_lengths_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationReport.Compute([0, 1], [0], ["a", "b"]));
        Assert.Contains("2 predicted labels for 1 actual labels", error.Message);
    }

    [Fact]
    public void No_class_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ClassificationReport.Compute([0], [0], []));
    }

    [Theory]
    [InlineData(new[] { 0, 3, 1 }, new[] { 0, 1, 1 }, "predicted label of sample 1 is 3")]
    [InlineData(new[] { 0, 1, 1 }, new[] { 0, 1, -1 }, "actual label of sample 2 is -1")]
    public void A_label_outside_the_classes_is_refused_naming_the_sample(int[] predicted, int[] actual, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationReport.Compute(predicted, actual, ["a", "b", "c"]));
        Assert.Contains(expected, error.Message);
        Assert.Contains("3 classes", error.Message);
    }

    [Fact]
    public void Report_round_trips_through_json()
    {
        var report = ClassificationReport.Compute([0, 2, 1, 1], [0, 1, 1, 2], ["a", "b", "c"]);

        var json = JsonSerializer.Serialize(report);
        var back = JsonSerializer.Deserialize<ClassificationReport>(json)!;

        using var document = JsonDocument.Parse(json);
        Assert.Equal(0.5, document.RootElement.GetProperty("Accuracy").GetDouble());
        Assert.Equal("b", document.RootElement.GetProperty("Classes")[1].GetProperty("Name").GetString());
        Assert.Equal(1, document.RootElement.GetProperty("ConfusionMatrix")[1][2].GetInt32());
        Assert.Equal(report.Classes, back.Classes);
        Assert.Equal(report.ConfusionMatrix.Select(r => r.ToArray()), back.ConfusionMatrix.Select(r => r.ToArray()));
        Assert.Equal(report with { Classes = back.Classes, ConfusionMatrix = back.ConfusionMatrix }, back);
    }

    private static void AssertClass(ClassMetrics metrics, int index, string name, double precision, double recall, double f1, int support, int predicted)
    {
        Assert.Equal(index, metrics.Index);
        Assert.Equal(name, metrics.Name);
        Assert.Equal(precision, metrics.Precision, Tolerance);
        Assert.Equal(recall, metrics.Recall, Tolerance);
        Assert.Equal(f1, metrics.F1, Tolerance);
        Assert.Equal(support, metrics.Support);
        Assert.Equal(predicted, metrics.Predicted);
    }
}
