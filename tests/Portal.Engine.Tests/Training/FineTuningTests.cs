using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

[Collection(NativeRandomCollection.Name)]
public sealed class FineTuningTests : IDisposable
{
    private static readonly ModelSpec s_mlp = new("blob-mlp", [4], [new LinearLayer(16), new BatchNorm1dLayer(), new ReLULayer(), new LinearLayer(3)]);
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("portal-finetune");

    private static TrainingOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 0.01 },
        Seed = 7,
    };

    private static Task<TrainingRun> Run(TrainingRequest request) => TrainingRun.Of(request);

    private static Task<TrainingResult> Parent() => new Trainer().TrainToEnd(new TrainingRequest(s_mlp, TrainingData.Blobs(60, 3, 4, seed: 1), null, Options(4)));

    [Fact]
    public async Task A_frozen_fine_tune_resumed_from_a_checkpoint_ends_as_the_uninterrupted_one_with_the_parents_body()
    {
        var parent = (await Parent()).Model;
        var data = TrainingData.Blobs(60, 3, 4, seed: 2);
        var fineTuning = new FineTuning(parent, FreezeBody: true);
        var whole = await Run(new TrainingRequest(s_mlp, data, null, Options(3)) { FineTuning = fineTuning });

        var checkpoints = Path.Combine(_scratch.FullName, "ckpt");
        var plan = new TrainingRequest(s_mlp, data, null, Options(3) with { CheckpointDirectory = checkpoints }) { FineTuning = fineTuning };
        await Run(plan with { PauseAfterEpoch = 1 });
        var resumed = await Run(plan with { ResumeFrom = checkpoints });

        Assert.Equal(whole.Steps.Where(s => s.Epoch > 1).Select(s => s.Loss), resumed.Steps.Select(s => s.Loss));
        Assert.Equal(whole.Result.Model.Weights["3.weight"].Data, resumed.Result.Model.Weights["3.weight"].Data);
        Assert.NotEqual(parent.Weights["3.weight"].Data, resumed.Result.Model.Weights["3.weight"].Data);
        foreach (var name in new[] { "0.weight", "0.bias", "1.weight", "1.running_mean", "1.running_var" })
            Assert.Equal(parent.Weights[name].Data, resumed.Result.Model.Weights[name].Data);
        Assert.Equal(parent.Standardization!.Mean, whole.Result.Model.Standardization!.Mean);
        Assert.Equal(parent.Standardization.Std, resumed.Result.Model.Standardization!.Std);
    }

    [Fact]
    public async Task The_parents_head_is_kept_for_the_parents_classes_and_replaced_by_a_seeded_one_for_others()
    {
        var parent = (await Parent()).Model;
        var data = TrainingData.Blobs(60, 3, 4, seed: 2);
        var renamed = new Dataset("renamed", data.Features.ToArray(), data.SampleShape, data.Labels.ToArray(), ["x", "y", "z"]);

        var kept = await Run(new TrainingRequest(s_mlp, data, null, Options(1)) { FineTuning = new FineTuning(parent, FreezeBody: true) });
        var replaced = await Run(new TrainingRequest(s_mlp, renamed, null, Options(1)) { FineTuning = new FineTuning(parent, FreezeBody: true) });
        var again = await Run(new TrainingRequest(s_mlp, renamed, null, Options(1)) { FineTuning = new FineTuning(parent, FreezeBody: true) });

        Assert.True(replaced.Steps[0].Loss > 2 * kept.Steps[0].Loss, $"first loss {replaced.Steps[0].Loss} with a new head, {kept.Steps[0].Loss} with the parent's");
        Assert.Equal(replaced.Result.Model.Weights["3.weight"].Data, again.Result.Model.Weights["3.weight"].Data);
    }

    [Fact]
    public void A_spec_that_differs_inside_a_block_is_refused_naming_the_block_path()
    {
        var parent = new ModelSpec("res", [4], [new LinearLayer(8), new ResidualBlock([new LinearLayer(8), new ReLULayer(), new LinearLayer(8)]), new LinearLayer(3)]);
        var wider = parent with { Layers = [new LinearLayer(8), new ResidualBlock([new LinearLayer(8), new TanhLayer(), new LinearLayer(8)]), new LinearLayer(5)] };

        var refused = Assert.Throws<ModelSpecException>(() => FineTuning.CheckSpec(parent, wider));

        Assert.StartsWith("layers[1].body[1] differs from the parent's", refused.Message);
        FineTuning.CheckSpec(parent, parent with { Name = "res-5", Layers = [.. parent.Layers.Take(2), new LinearLayer(5)] });
    }

    [Fact]
    public void A_head_that_is_not_linear_is_refused_naming_it()
    {
        var spec = new ModelSpec("normed", [4], [new LinearLayer(3), new BatchNorm1dLayer()]);

        var refused = Assert.Throws<ModelSpecException>(() => FineTuning.HeadIndex(spec));

        Assert.Contains("layers[1] (batchnorm1d)", refused.Message);
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
