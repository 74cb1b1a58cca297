using Portal.Engine.Evaluation;
using Portal.Engine.Inference;

namespace Portal.Server.Tests.Registry;

public sealed class OnnxEvaluatorTests
{
    private static readonly InferenceOptions s_cpu = new() { PreferCuda = false, IntraOpThreads = 1 };

    [Fact]
    public void A_model_that_separates_the_classes_scores_every_sample_right()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.TopVersusBottom(), s_cpu);
        // More samples than one evaluation batch, and not a multiple of it: the tail batch counts too.
        var data = SyntheticImages.Create(OnnxEvaluator.BatchSize + 37, seed: 3).ToDataset("synthetic");

        var report = OnnxEvaluator.Evaluate(model, data, CancellationToken.None);

        Assert.Equal(data.Count, report.SampleCount);
        Assert.Equal(1.0, report.Accuracy);
        Assert.Equal([(data.Count + 1) / 2, data.Count / 2], report.Classes.Select(c => c.Support));
    }

    [Fact]
    public void A_model_that_inverts_the_classes_scores_none_right()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.TopVersusBottom(), s_cpu);
        var data = SyntheticImages.Create(40, seed: 4).ToDataset("synthetic");
        var swapped = new Portal.Engine.Data.Dataset("swapped", data.Features.ToArray(), data.SampleShape, [.. data.Labels.ToArray().Select(l => 1 - l)], data.ClassNames);

        var report = OnnxEvaluator.Evaluate(model, swapped, CancellationToken.None);

        Assert.Equal(0.0, report.Accuracy);
    }

    [Fact]
    public void A_model_whose_input_does_not_fit_the_dataset_is_named_with_both_sizes()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.ThreeFeatures(), s_cpu, "three.onnx");
        var data = SyntheticImages.Create(10, seed: 5).ToDataset("synthetic");

        var misfit = OnnxEvaluator.Misfit(model, data);
        var error = Assert.Throws<ArgumentException>(() => OnnxEvaluator.Evaluate(model, data, CancellationToken.None));

        Assert.Contains("'three.onnx'", misfit);
        Assert.Contains("3 values per sample", misfit);
        Assert.Contains("[1,4,4] (16 values)", misfit);
        Assert.Contains(misfit!, error.Message);
    }
}
