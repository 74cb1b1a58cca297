using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Engine.Training;
using static TorchSharp.torch;

namespace Portal.Engine.Tests.Compression;

[Collection(NativeRandomCollection.Name)]
public sealed class DistillationTests
{
    private static readonly ModelSpec s_student = new("tiny-student", [6], [new LinearLayer(8), new ReLULayer(), new LinearLayer(4)]);

    [Fact]
    public async Task With_alpha_one_the_student_learns_exactly_as_from_scratch_and_below_one_the_teacher_changes_it()
    {
        var train = CompressionFixtures.Blobs(40, seed: 21);
        var teacher = await CompressionFixtures.Train(CompressionFixtures.Mlp, train);
        var options = CompressionFixtures.Training(2);
        var scratch = await CompressionFixtures.Train(s_student, train, epochs: 2);

        var (hardOnly, _) = await CompressionFixtures.Compress(new CompressionRequest(teacher, new DistillationRecipe(s_student, options) { Alpha = 1 }, train, train));
        var (distilled, events) = await CompressionFixtures.Compress(new CompressionRequest(teacher, new DistillationRecipe(s_student, options) { Alpha = 0.3, Temperature = 3 }, train, train));

        Assert.Equal(scratch.Weights["2.weight"].Data, hardOnly.Model.Weights["2.weight"].Data, new FloatTolerance(1e-6f));
        Assert.NotEqual(scratch.Weights["2.weight"].Data, distilled.Model.Weights["2.weight"].Data, new FloatTolerance(1e-4f));
        Assert.Equal(s_student, distilled.Model.Spec);
        Assert.Equal(s_student.ParameterCount, distilled.Report.Compressed.Parameters);
        Assert.Contains(events, e => e is CompressionStageStarted { Stage: "teacher" });
        Assert.Contains(events, e => e is CompressionTrainingProgress { Training: StepCompleted });
    }

    [Fact]
    public void The_loss_is_alpha_cross_entropy_plus_t_squared_kl_of_the_softened_outputs()
    {
        float[] teacherLogits = [2f, 0f, -1f, 0.5f, 0.5f, 1f];
        float[] studentLogits = [1f, 1f, 0f, -1f, 2f, 0f];
        long[] labels = [0, 1];
        const double alpha = 0.25, t = 2;
        using var loss = new DistillationLoss(teacherLogits, 3, alpha, t);
        using var scope = NewDisposeScope();

        var actual = loss.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 0, 1 }))!.item<float>();

        double expected = 0;
        for (var row = 0; row < 2; row++)
        {
            var s = studentLogits.AsSpan(row * 3, 3).ToArray().Select(v => (double)v).ToArray();
            var te = teacherLogits.AsSpan(row * 3, 3).ToArray().Select(v => (double)v).ToArray();
            var ce = -LogSoftmax(s, 1)[labels[row]];
            var p = LogSoftmax(te, t);
            var q = LogSoftmax(s, t);
            var kl = p.Zip(q).Sum(x => Math.Exp(x.First) * (x.First - x.Second));
            expected += (alpha * ce + (1 - alpha) * t * t * kl) / 2;
        }
        Assert.Equal(expected, actual, 5);
    }

    [Fact]
    public async Task A_student_with_another_output_size_is_refused_naming_both()
    {
        var teacher = new TrainedModel(CompressionFixtures.Mlp, ModelInitialization.Seeded(CompressionFixtures.Mlp, 1), null, ["a", "b", "c", "d"]);
        var student = new ModelSpec("wrong-student", [6], [new LinearLayer(3)]);
        var data = CompressionFixtures.Blobs(5, seed: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(
            new CompressionRequest(teacher, new DistillationRecipe(student, CompressionFixtures.Training(1)), data, data)));

        Assert.Contains("Student 'wrong-student' outputs [3] per sample but teacher 'tiny-mlp' outputs [4]", error.Message);
    }

    [Fact]
    public async Task Cancelling_stops_the_job_during_training()
    {
        var train = CompressionFixtures.Blobs(200, seed: 22);
        var teacher = new TrainedModel(CompressionFixtures.Mlp, ModelInitialization.Seeded(CompressionFixtures.Mlp, 1), null, ["a", "b", "c", "d"]);
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var request = new CompressionRequest(teacher, new DistillationRecipe(s_student, CompressionFixtures.Training(50) with { BatchSize = 8 }), train, train);
            await foreach (var e in new Compressor().Compress(request, cancel.Token))
            {
                if (e is CompressionTrainingProgress && ++seen == 3) await cancel.CancelAsync();
            }
        });
        Assert.True(seen < 50 * 100, "the job ran to the end");
    }

    private static double[] LogSoftmax(double[] logits, double temperature)
    {
        var scaled = logits.Select(v => v / temperature).ToArray();
        var max = scaled.Max();
        var log = Math.Log(scaled.Sum(v => Math.Exp(v - max))) + max;
        return [.. scaled.Select(v => v - log)];
    }
}
