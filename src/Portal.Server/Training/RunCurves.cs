using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Server.Jobs;
using Portal.Server.Live;

namespace Portal.Server.Training;

/// <summary>
/// The run page's figures, fed by the stored epochs and steps and then by the run's live events: the step loss and the
/// learning rate per optimiser step, loss and accuracy per epoch (train and validation), progress, samples/s and
/// the time left, estimated from the pace of the steps seen so far.
/// </summary>
public sealed class RunCurves
{
    private readonly HashSet<int> _epochs = [];
    private (long Step, DateTimeOffset Time)? _firstSeen;

    public Components.Charts.CurveData StepLoss { get; } = new("train loss (step)");
    public Components.Charts.CurveData LearningRate { get; } = new("learning rate");
    public Components.Charts.CurveData EpochLoss { get; } = new("train loss", "validation loss");
    public Components.Charts.CurveData EpochAccuracy { get; } = new("train accuracy", "validation accuracy");

    public long Step { get; private set; }
    public long TotalSteps { get; private set; }
    public double SamplesPerSecond { get; private set; }
    public JobState? State { get; private set; }
    public string? Error { get; private set; }

    /// <summary>The fraction done, from the steps when any were seen, else from the job.</summary>
    public double Progress { get; private set; }

    /// <summary>Time left at the pace of the steps seen live; null until two steps were seen or once the run ended.</summary>
    public TimeSpan? Remaining { get; private set; }

    public void Start(JobState state, double progress, string? error, IEnumerable<RunEpochMetric> storedEpochs, IEnumerable<RunStepPoint> storedSteps)
    {
        State = state;
        Progress = progress;
        Error = error;
        foreach (var e in storedEpochs) AddEpoch(TrainingViews.View(e));
        foreach (var s in storedSteps.Where(s => IsNewStep(s.Step)))
        {
            StepLoss.Add(s.Step, s.Loss);
            LearningRate.Add(s.Step, s.LearningRate);
        }
    }

    // A resumed run repeats no step; one seen twice (stored, replayed and live overlapping) is drawn once.
    private bool IsNewStep(long step) => StepLoss.Count == 0 || step > StepLoss.X[^1];

    /// <summary>Applies one live event of <c>run:{id}</c>; returns false for events the page does not draw.</summary>
    public bool Apply(LiveEvent e)
    {
        switch (e.Data)
        {
            case RunStepEvent s:
                AddStep(s, e);
                return true;
            case RunEpochView epoch:
                AddEpoch(epoch);
                return true;
            case JobStatusEvent status:
                State = status.State;
                Error = status.Error;
                if (status.State is JobState.Succeeded) Progress = 1;
                if (status.State is not (JobState.Queued or JobState.Running)) Remaining = null;
                return true;
            default:
                return false;
        }
    }

    private void AddStep(RunStepEvent s, LiveEvent e)
    {
        if (!IsNewStep(s.Step)) return;
        var origin = Components.Charts.PointOrigin.Of(e.Sequence, s.CompletedAt);
        StepLoss.Add(origin, s.Step, s.Loss);
        LearningRate.Add(origin, s.Step, s.LearningRate);
        var time = e.Time;
        Step = s.Step;
        TotalSteps = s.TotalSteps;
        SamplesPerSecond = s.SamplesPerSecond;
        State = JobState.Running;
        Progress = s.TotalSteps > 0 ? (double)s.Step / s.TotalSteps : Progress;
        _firstSeen ??= (s.Step, time);
        var (firstStep, firstTime) = _firstSeen.Value;
        var done = s.Step - firstStep;
        Remaining = done > 0 && s.TotalSteps >= s.Step
            ? TimeSpan.FromTicks((long)((time - firstTime).Ticks / (double)done * (s.TotalSteps - s.Step)))
            : null;
    }

    private void AddEpoch(RunEpochView e)
    {
        if (!_epochs.Add(e.Epoch)) return;
        EpochLoss.Add(e.Epoch, e.TrainLoss, e.ValidationLoss);
        EpochAccuracy.Add(e.Epoch, e.TrainAccuracy, e.ValidationAccuracy);
    }
}
