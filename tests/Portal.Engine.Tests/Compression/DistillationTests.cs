using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
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
        using var loss = new DistillationLoss(teacherLogits, 2, 3, false, alpha, t);
        using var scope = NewDisposeScope();

        var actual = loss.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 0, 1 }), null)!.item<float>();

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
    public void The_teacher_row_of_each_batch_sample_is_the_one_its_index_names()
    {
        float[] teacherLogits = [2f, 0f, -1f, 0.5f, 0.5f, 1f, -2f, 3f, 0f];
        float[] studentLogits = [1f, 1f, 0f, -1f, 2f, 0f];
        long[] labels = [1, 2];
        using var loss = new DistillationLoss(teacherLogits, 3, 3, false, 0, 2);
        using var scope = NewDisposeScope();

        // Batch rows are training samples 2 then 0: the loss must compare them with teacher rows 2 then 0.
        var shuffled = loss.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 2, 0 }), null)!.item<float>();
        using var reordered = new DistillationLoss([-2f, 3f, 0f, 2f, 0f, -1f], 2, 3, false, 0, 2);
        var inOrder = reordered.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 0, 1 }), null)!.item<float>();
        var wrongRows = reordered.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 1, 0 }), null)!.item<float>();

        Assert.Equal(inOrder, shuffled, 6);
        Assert.NotEqual(wrongRows, shuffled, 3);
    }

    [Fact]
    public async Task With_only_the_teacher_signal_the_student_learns_the_teachers_predictions_not_the_labels()
    {
        // The teacher reads raw features far from zero (no standardisation) while the student standardises its own:
        // teacher outputs computed on the student's inputs, or looked up at the wrong rows after shuffling, would
        // teach nothing. The hard labels are shuffled, so only the teacher's signal can be learnt.
        var clean = CompressionFixtures.Blobs(60, seed: 31);
        var raw = clean.Features.ToArray().Select(v => v + 10f).ToArray();
        var teacherData = new Dataset("blobs+10", raw, clean.SampleShape, clean.Labels.ToArray(), clean.ClassNames);
        var teacher = (await new Trainer().TrainToEnd(new TrainingRequest(CompressionFixtures.Mlp, teacherData, null,
            CompressionFixtures.Training(20) with { Standardization = null }))).Model;
        var (teacherOutputs, classes) = ModelEvaluator.Predict(teacher, teacherData);
        var teacherPredictions = ArgMax(teacherOutputs, classes);
        var teacherAccuracy = Agreement(teacherPredictions, clean.Labels.ToArray());
        Assert.True(teacherAccuracy > 0.75, $"the teacher learnt the blobs only to {teacherAccuracy:P1}");

        var noisyLabels = clean.Labels.ToArray();
        new Random(5).Shuffle(noisyLabels);
        var distillData = new Dataset("blobs+10, shuffled labels", raw, clean.SampleShape, noisyLabels, clean.ClassNames);
        var options = CompressionFixtures.Training(30) with { Standardization = StandardizationMode.PerFeature };
        var (distilled, _) = await CompressionFixtures.Compress(new CompressionRequest(teacher,
            new DistillationRecipe(s_student, options) { Alpha = 0, Temperature = 2 }, distillData, distillData));

        var (studentOutputs, _) = ModelEvaluator.Predict(distilled.Model, distillData);
        var agreement = Agreement(ArgMax(studentOutputs, classes), teacherPredictions);
        Assert.True(agreement > 0.9, $"the student agrees with the teacher on {agreement:P1} of the training samples");
        Assert.NotNull(distilled.Model.Standardization);
    }

    [Fact]
    public async Task Distilling_leaves_the_callers_training_and_test_samples_as_they_were()
    {
        // Teacher and student standardise their inputs; neither may do it in the caller's arrays, or the next
        // job (or the student's own fitted statistics) would see standardised samples as raw ones.
        var clean = CompressionFixtures.Blobs(20, seed: 41);
        var train = new Dataset("blobs+10", [.. clean.Features.ToArray().Select(v => v + 10f)], clean.SampleShape, clean.Labels.ToArray(), clean.ClassNames);
        var test = CompressionFixtures.Blobs(10, seed: 42);
        var teacher = await CompressionFixtures.Train(CompressionFixtures.Mlp, train);
        var trainBefore = train.Features.ToArray();
        var testBefore = test.Features.ToArray();

        var (distilled, _) = await CompressionFixtures.Compress(new CompressionRequest(teacher,
            new DistillationRecipe(s_student, CompressionFixtures.Training(1)) { Alpha = 0.5 }, train, test));

        Assert.Equal(trainBefore, train.Features.ToArray());
        Assert.Equal(testBefore, test.Features.ToArray());
        Assert.Equal(10f, distilled.Model.Standardization!.Mean.Average(), 0.5f);
    }

    [Fact]
    public async Task A_student_trained_on_shifted_crops_is_refused_because_the_teacher_saw_other_inputs()
    {
        var data = CompressionFixtures.Images(4, seed: 2);
        var teacher = new TrainedModel(CompressionFixtures.Cnn, ModelInitialization.Seeded(CompressionFixtures.Cnn, 1), null, data.ClassNames);
        var options = CompressionFixtures.Training(1) with { Augmentation = new ImageAugmentation(CropPadding: 1) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new Compressor().CompressToEnd(
            new CompressionRequest(teacher, new DistillationRecipe(CompressionFixtures.Cnn, options), data, data)));

        Assert.Contains("shifted crops", error.Message);
    }

    [Fact]
    public void A_flipped_sample_is_taught_the_teachers_logits_for_the_flipped_image()
    {
        // Two samples; rows 0–1 are the teacher on the stored images, rows 2–3 on the mirrored ones.
        float[] teacherLogits = [2f, 0f, -1f, 0.5f, 0.5f, 1f, -2f, 3f, 0f, 1f, -1f, 2f];
        float[] studentLogits = [1f, 1f, 0f, -1f, 2f, 0f];
        long[] labels = [1, 2];
        using var twoViews = new DistillationLoss(teacherLogits, 2, 3, true, 0, 2);
        using var expectedRows = new DistillationLoss([-2f, 3f, 0f, 0.5f, 0.5f, 1f], 2, 3, false, 0, 2);
        using var scope = NewDisposeScope();

        // Sample 0 was flipped, sample 1 was not: the loss must use teacher rows 2 and 1.
        var actual = twoViews.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 0, 1 }), tensor(new[] { true, false }))!.item<float>();
        var expected = expectedRows.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 0, 1 }), null)!.item<float>();
        var unflipped = twoViews.Loss(tensor(studentLogits, [2, 3]), tensor(labels), tensor(new long[] { 0, 1 }), tensor(new[] { false, false }))!.item<float>();

        Assert.Equal(expected, actual, 6);
        Assert.NotEqual(unflipped, actual, 3);
    }

    [Fact]
    public async Task A_student_trained_on_flipped_images_distils_from_the_teachers_stored_and_mirrored_views()
    {
        var data = CompressionFixtures.Images(8, seed: 3);
        var teacher = new TrainedModel(CompressionFixtures.Cnn, ModelInitialization.Seeded(CompressionFixtures.Cnn, 1), null, data.ClassNames);
        var options = CompressionFixtures.Training(1) with { Augmentation = new ImageAugmentation(HorizontalFlip: true) };

        var (distilled, events) = await CompressionFixtures.Compress(new CompressionRequest(teacher, new DistillationRecipe(CompressionFixtures.Cnn, options), data, data));

        Assert.Contains(events, e => e is CompressionStageStarted { Stage: "teacher", Detail: var detail } && detail.Contains("mirrored"));
        Assert.Equal(CompressionFixtures.Cnn, distilled.Model.Spec);
    }

    private static int[] ArgMax(float[] outputs, int classes) =>
        [.. Enumerable.Range(0, outputs.Length / classes).Select(i =>
        {
            var row = outputs.AsSpan(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            return best;
        })];

    private static double Agreement(int[] a, int[] b) => a.Zip(b).Count(p => p.First == p.Second) / (double)a.Length;

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
