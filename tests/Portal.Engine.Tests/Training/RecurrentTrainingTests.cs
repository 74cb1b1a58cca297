using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

[Collection(NativeRandomCollection.Name)]
public sealed class RecurrentTrainingTests
{
    private const int MaximumLength = 10;

    private static readonly ModelSpec s_lstmText = new("lstm-text", [MaximumLength],
        [new EmbeddingLayer(12, 8, PaddingIndex: 0), new LstmLayer(16), new LinearLayer(2)])
    { Tokens = new TokenInput(0) };

    [Fact]
    public async Task A_tiny_lstm_text_model_learns_whether_a_marker_token_occurs()
    {
        var options = new TrainingOptions
        {
            Epochs = 8,
            BatchSize = 32,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 0.01 },
            Standardization = null, // token ids are categories, not measurements
            Seed = 3,
        };
        var epochs = new List<EpochMetrics>();
        TrainingResult? result = null;

        await foreach (var e in new Trainer().Train(new TrainingRequest(s_lstmText, MarkedSequences(400, seed: 1), MarkedSequences(100, seed: 2), options)))
        {
            if (e is EpochCompleted completed) epochs.Add(completed.Metrics);
            if (e is TrainingCompleted done) result = done.Result;
        }

        Assert.Equal(8, epochs.Count);
        // The optimiser reaches the recurrent weights themselves, not only the embedding and the head.
        var initial = ModelInitialization.Seeded(s_lstmText, options.Seed)["1.weight_hh_l0"].Data;
        var trained = result!.Model.Weights["1.weight_hh_l0"].Data;
        Assert.True(initial.Zip(trained).Max(p => MathF.Abs(p.First - p.Second)) > 1e-2f);
        Assert.True(epochs[^1].TrainLoss < epochs[0].TrainLoss / 2, $"train loss {epochs[0].TrainLoss} → {epochs[^1].TrainLoss}");
        Assert.True(epochs[^1].ValidationAccuracy > 0.9, $"validation accuracy {epochs[^1].ValidationAccuracy}");
    }

    /// <summary>
    /// Token sequences of 3 to 10 ids from 2 … 11, padded with 0; class 1 when the marker id 1 replaces one of them.
    /// Only the token's presence separates the classes, wherever it is and however long the sequence.
    /// </summary>
    private static Dataset MarkedSequences(int count, int seed)
    {
        var random = new Random(seed);
        var ids = new float[count * MaximumLength];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var length = random.Next(3, MaximumLength + 1);
            for (var step = 0; step < length; step++) ids[i * MaximumLength + step] = random.Next(2, 12);
            labels[i] = i % 2;
            if (labels[i] == 1) ids[i * MaximumLength + random.Next(length)] = 1;
        }
        return new Dataset("marked", ids, [MaximumLength], labels, ["absent", "present"]);
    }
}
