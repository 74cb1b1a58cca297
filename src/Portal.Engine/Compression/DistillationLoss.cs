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
    private readonly bool _hasMirroredView;
    private readonly double _alpha;
    private readonly double _temperature;
    private Tensor? _teacher;

    /// <param name="teacherLogits">[N, classes] on the samples as stored, followed by [N, classes] on each sample mirrored when <paramref name="hasMirroredView"/>.</param>
    public DistillationLoss(float[] teacherLogits, int samples, int classes, bool hasMirroredView, double alpha, double temperature)
    {
        if (teacherLogits.Length != (long)samples * classes * (hasMirroredView ? 2 : 1))
            throw new ArgumentException($"The teacher's logits hold {teacherLogits.Length} values, not {samples} samples × {classes} classes{(hasMirroredView ? " × 2 views" : "")}.");
        _teacherLogits = teacherLogits;
        _samples = samples;
        _classes = classes;
        _hasMirroredView = hasMirroredView;
        _alpha = alpha;
        _temperature = temperature;
    }

    public override Tensor? Loss(Tensor output, Tensor target, Tensor sampleIndices, Tensor? mirrored)
    {
        if (mirrored is not null && !_hasMirroredView)
            throw new InvalidOperationException("The student's samples are flipped, but the teacher's logits were computed on the stored samples only.");
        // Made on the training thread, on the student's device, outside the batch's dispose scope.
        _teacher ??= tensor(_teacherLogits, [_teacherLogits.Length / _classes, _classes], device: output.device).DetachFromDisposeScope();
        var rows = mirrored is null ? sampleIndices : sampleIndices + mirrored.to_type(ScalarType.Int64) * _samples;
        var teacher = _teacher.index_select(0, rows);
        var hard = nn.functional.cross_entropy(output, target);
        var studentLog = nn.functional.log_softmax(output / _temperature, 1);
        var teacherLog = nn.functional.log_softmax(teacher / _temperature, 1);
        var soft = (teacherLog.exp() * (teacherLog - studentLog)).sum(1).mean();
        return hard * _alpha + soft * ((1 - _alpha) * _temperature * _temperature);
    }

    public void Dispose() => _teacher?.Dispose();
}
