using Portal.Engine.Training;
using static TorchSharp.torch;

namespace Portal.Engine.Compression;

/// <summary>
/// α·CE(y, student) + (1 − α)·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) per batch, with the teacher's logits
/// computed once beforehand (eval mode) and looked up by sample index: memory is one [N, classes] tensor per view.
/// </summary>
/// <remarks>
/// A student trained on flipped images is taught the teacher's logits for the same flipped image (the second view,
/// samples N..2N−1), never those of the image it did not see: a consistent teacher.
/// </remarks>
internal sealed class DistillationLoss : TrainingHooks, IDisposable
{
    private readonly float[] _teacherLogits;
    private readonly int _samples;
    private readonly int _classes;
    private readonly TeacherViews _views;
    private readonly double _alpha;
    private readonly double _temperature;
    private Tensor? _teacher;

    /// <param name="teacherLogits">[N, classes] on the samples as stored, followed by [N, classes] on each sample mirrored for <see cref="TeacherViews.StoredAndMirrored"/>.</param>
    public DistillationLoss(float[] teacherLogits, int samples, int classes, TeacherViews views, double alpha, double temperature)
    {
        var hasMirroredView = views == TeacherViews.StoredAndMirrored;
        if (teacherLogits.Length != (long)samples * classes * (hasMirroredView ? 2 : 1))
            throw new ArgumentException($"The teacher's logits hold {teacherLogits.Length} values, not {samples} samples × {classes} classes{(hasMirroredView ? " × 2 views" : "")}.");
        _teacherLogits = teacherLogits;
        _samples = samples;
        _classes = classes;
        _views = views;
        _alpha = alpha;
        _temperature = temperature;
    }

    public override Tensor? Loss(Tensor output, Tensor target, Tensor sampleIndices, Tensor? mirrored)
    {
        if (mirrored is not null && _views == TeacherViews.Stored)
            throw new InvalidOperationException("The student's samples are flipped, but the teacher's logits were computed on the stored samples only.");
        // Made on the training thread, on the student's device, outside the batch's dispose scope.
        _teacher ??= tensor(_teacherLogits, [_teacherLogits.Length / _classes, _classes], device: output.device).DetachFromDisposeScope();
        var rows = mirrored is null || _views != TeacherViews.StoredAndMirrored ? sampleIndices : sampleIndices + mirrored.to_type(ScalarType.Int64) * _samples;
        var teacher = _teacher.index_select(0, rows);
        var hard = nn.functional.cross_entropy(output, target);
        var studentLog = nn.functional.log_softmax(output / _temperature, 1);
        var teacherLog = nn.functional.log_softmax(teacher / _temperature, 1);
        var soft = (teacherLog.exp() * (teacherLog - studentLog)).sum(1).mean();
        return hard * _alpha + soft * ((1 - _alpha) * _temperature * _temperature);
    }

    public void Dispose() => _teacher?.Dispose();
}

/// <summary>Which images the teacher's logits were computed on.</summary>
internal enum TeacherViews
{
    /// <summary>The samples as stored: the student must not be flipped.</summary>
    Stored,

    /// <summary>As stored (rows 0..N−1), then mirrored (rows N..2N−1): a flipped sample is taught its mirrored row.</summary>
    StoredAndMirrored,

    /// <summary>The mean over each image and its mirror image, the same for both: a flipped sample is taught the same row.</summary>
    MirrorInvariant,
}
