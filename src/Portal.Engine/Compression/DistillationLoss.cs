using Portal.Engine.Training;
using static TorchSharp.torch;

namespace Portal.Engine.Compression;

/// <summary>
/// α·CE(y, student) + (1 − α)·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) per batch, with the teacher's logits
/// computed once beforehand (eval mode) and looked up by sample index: memory is one [N, classes] tensor.
/// </summary>
internal sealed class DistillationLoss : TrainingHooks, IDisposable
{
    private readonly float[] _teacherLogits;
    private readonly int _classes;
    private readonly double _alpha;
    private readonly double _temperature;
    private Tensor? _teacher;

    public DistillationLoss(float[] teacherLogits, int classes, double alpha, double temperature)
    {
        _teacherLogits = teacherLogits;
        _classes = classes;
        _alpha = alpha;
        _temperature = temperature;
    }

    public override Tensor? Loss(Tensor output, Tensor target, Tensor sampleIndices)
    {
        // Made on the training thread, on the student's device, outside the batch's dispose scope.
        _teacher ??= tensor(_teacherLogits, [_teacherLogits.Length / _classes, _classes], device: output.device).DetachFromDisposeScope();
        var teacher = _teacher.index_select(0, sampleIndices);
        var hard = nn.functional.cross_entropy(output, target);
        var studentLog = nn.functional.log_softmax(output / _temperature, 1);
        var teacherLog = nn.functional.log_softmax(teacher / _temperature, 1);
        var soft = (teacherLog.exp() * (teacherLog - studentLog)).sum(1).mean();
        return hard * _alpha + soft * ((1 - _alpha) * _temperature * _temperature);
    }

    public void Dispose() => _teacher?.Dispose();
}
