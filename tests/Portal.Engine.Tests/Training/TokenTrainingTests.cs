using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

/// <summary>Token specs through the trainer, the checkpoints and the evaluator, on made-up sentences.</summary>
[Collection(NativeRandomCollection.Name)]
public sealed class TokenTrainingTests : IDisposable
{
    private const int Length = MarkerSentences.Length;

    private static readonly ModelSpec s_encoder = MarkerSentences.Encoder;

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("portal-token-trainer");

    private static TrainingOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 16,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 0.005 },
        Seed = 11,
    };

    private static Dataset Sentences(int count, int seed) => MarkerSentences.Generate(count, seed);

    private static Task<TrainingRun> Run(TrainingRequest request) => TrainingRun.Of(request);

    [Fact]
    public async Task A_token_encoder_learns_which_marker_a_sentence_holds_and_evaluates_by_class_name()
    {
        var result = await new Trainer().TrainToEnd(new TrainingRequest(s_encoder, Sentences(240, seed: 1), null, Options(12)));

        var report = ModelEvaluator.Evaluate(result.Model, Sentences(90, seed: 2));

        Assert.True(report.Report.Accuracy >= 0.9, $"accuracy {report.Report.Accuracy}");
        Assert.Equal(["first", "second", "third"], report.Report.Classes.Select(c => c.Name));
    }

    [Fact]
    public async Task Same_seed_gives_the_same_loss_curve_for_a_token_model()
    {
        var request = new TrainingRequest(s_encoder, Sentences(64, seed: 3), null, Options(2));

        var first = await Run(request);
        var second = await Run(request);

        Assert.Equal(first.Steps.Select(s => s.Loss), second.Steps.Select(s => s.Loss));
        Assert.NotEqual(first.Steps.Select(s => s.Loss), (await Run(request with { Options = Options(2) with { Seed = 12 } })).Steps.Select(s => s.Loss));
    }

    [Fact]
    public async Task Resume_of_a_token_model_continues_the_same_loss_curve()
    {
        var data = Sentences(64, seed: 4);
        var validation = Sentences(24, seed: 5);
        var (whole, paused, resumed) = await TrainingRun.WholeAndResumed(
            new TrainingRequest(s_encoder, data, validation, Options(4)), Path.Combine(_scratch.FullName, "ckpt"), pauseAfter: 2);

        Assert.Equal(StopReason.Paused, paused.Result.StopReason);
        Assert.Equal(3, resumed.Steps[0].Epoch);
        Assert.Equal(whole.Steps.Where(s => s.Epoch > 2).Select(s => (s.Step, s.Loss, s.LearningRate)), resumed.Steps.Select(s => (s.Step, s.Loss, s.LearningRate)));
        Assert.Equal(whole.Result.History.Select(h => h.ValidationLoss), resumed.Result.History.Select(h => h.ValidationLoss));
        Assert.Equal(whole.Result.Model.Weights["2.layers.0.self_attn.in_proj_weight"].Data, resumed.Result.Model.Weights["2.layers.0.self_attn.in_proj_weight"].Data);
    }

    [Fact]
    public async Task Token_ids_are_never_standardised()
    {
        var result = await new Trainer().TrainToEnd(new TrainingRequest(s_encoder, Sentences(32, seed: 6), null, Options(1) with { Standardization = StandardizationMode.PerFeature }));

        Assert.Null(result.Model.Standardization);
    }

    [Theory]
    [InlineData(2.5f, "holds 2.5 at sample 1, position 4")]
    [InlineData(30f, "holds 30 at sample 1, position 4, which is not a token id (a whole number from 0 to 29)")]
    [InlineData(-1f, "holds -1 at sample 1, position 4")]
    public async Task A_value_that_is_not_a_token_id_is_refused_naming_sample_and_position(float value, string expected)
    {
        var data = Sentences(8, seed: 7);
        var ids = data.Features.ToArray();
        ids[Length + 4] = value;
        var bad = new Dataset("bad", ids, [Length], data.Labels.ToArray(), data.ClassNames);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => new Trainer().TrainToEnd(new TrainingRequest(s_encoder, bad, null, Options(1))));

        Assert.Contains($"Dataset 'bad' {expected}", e.Message);
    }

    [Fact]
    public void Training_cost_counts_attention_and_feed_forward_inside_blocks()
    {
        var spec = ReadySpecs.TextTransformer;
        double steps = 64, width = 128, feedForward = 512;
        var encoderLayer = 4 * steps * width * width + 2 * steps * steps * width + 2 * steps * width * feedForward;
        var forward = 2 * encoderLayer + width * 5;

        Assert.Equal(encoderLayer, TrainingCost.LargestLayerMultiplyAdds(spec));
        // Behind the embedding every matrix layer needs its input gradient: three passes of everything.
        Assert.Equal((2 * 3 * forward, 2 * 3 * forward), TrainingCost.FlopsPerSample(spec));

        var recurrent = new ModelSpec("lstm", [10], [new EmbeddingLayer(30, 6), new LstmLayer(4, Layers: 2, Bidirectional: true), new LinearLayer(2)], new TokenInput());
        Assert.Equal(2 * 10 * 4 * 4 * (8 + 4.0), TrainingCost.LargestLayerMultiplyAdds(recurrent)); // the second layer reads both directions, 8 features
        Assert.Equal(2 * 3 * (2 * 10 * 4 * 4 * (6 + 4.0) + 2 * 10 * 4 * 4 * (8 + 4.0) + 8 * 2), TrainingCost.FlopsPerSample(recurrent).Executed);

        var nested = new ModelSpec("nested", [6], [new SequentialBlock([new LinearLayer(4), new ResidualBlock([new LinearLayer(4)])]), new LinearLayer(2)]);
        Assert.Equal(2 * (2 * 48.0 + (48 - 24)), TrainingCost.FlopsPerSample(nested).Executed);
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
