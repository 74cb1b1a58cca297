using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Training;

namespace Portal.Ui.Tests.Training;

public sealed class RunCurvesTests
{
    private static readonly Guid s_run = Guid.NewGuid();
    private static readonly DateTimeOffset s_start = new(2026, 11, 22, 17, 0, 0, TimeSpan.Zero);
    private long _sequence;

    private LiveEvent Step(long step, double seconds, long total = 100) =>
        new($"run:{s_run}", ++_sequence, s_start.AddSeconds(seconds), "step", new RunStepEvent(s_run, 1, step, total, 2.0 / step, 0.001, 5000, s_start.AddSeconds(seconds)));

    private LiveEvent Epoch(int epoch) =>
        new($"run:{s_run}", ++_sequence, s_start, "epoch", new RunEpochView(epoch, 1.0 / epoch, 0.5, 1.1 / epoch, 0.45, 0.001, 1, 5000));

    [Fact]
    public void Stored_epochs_draw_first_and_a_live_epoch_already_stored_is_drawn_once()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0.5, null,
        [
            new RunEpochMetric { RunId = s_run, Epoch = 1, TrainLoss = 1, TrainAccuracy = 0.5, ValidationLoss = 1.1, ValidationAccuracy = 0.45, LearningRate = 0.001 },
        ], []);
        curves.Apply(Epoch(1));
        curves.Apply(Epoch(2));
        Assert.Equal([1.0, 2.0], curves.EpochLoss.X);
        Assert.Equal([1.1, 0.55], curves.EpochLoss.Series(1));
    }

    [Fact]
    public void Stored_steps_draw_first_and_a_live_step_already_stored_is_drawn_once()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0.5, null, [], [new RunStepPoint(1, 1, 2.0, 0.001), new RunStepPoint(2, 1, 1.0, 0.0009)]);
        Assert.Equal([1.0, 2.0], curves.StepLoss.X);
        Assert.Equal([0.001, 0.0009], curves.LearningRate.Series(0));
        Assert.Null(curves.StepLoss.OriginsFrom(0));

        curves.Apply(Step(2, 0.1));
        curves.Apply(Step(3, 0.2));
        Assert.Equal([1.0, 2.0, 3.0], curves.StepLoss.X);
        Assert.Equal([2.0, 1.0, 2.0 / 3], curves.StepLoss.Series(0));
    }

    [Fact]
    public void Steps_grow_the_loss_and_rate_curves_and_set_progress()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Queued, 0, null, [], []);
        curves.Apply(Step(1, 0));
        curves.Apply(Step(2, 0.1));
        curves.Apply(Step(2, 0.1));
        Assert.Equal(2, curves.StepLoss.Count);
        Assert.Equal(2, curves.LearningRate.Count);
        Assert.Equal(0.02, curves.Progress, 6);
        Assert.Equal(JobState.Running, curves.State);
        Assert.Equal(5000, curves.SamplesPerSecond);
    }

    [Fact]
    public void Time_left_follows_the_pace_of_the_steps_seen()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0, null, [], []);
        curves.Apply(Step(10, 0));
        Assert.Null(curves.Remaining);
        curves.Apply(Step(20, 2));
        // 10 steps took 2 s; 80 remain.
        Assert.Equal(TimeSpan.FromSeconds(16), curves.Remaining);
    }

    [Fact]
    public void A_final_status_ends_the_estimate_and_keeps_the_reason()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0, null, [], []);
        curves.Apply(Step(10, 0));
        curves.Apply(Step(20, 2));
        curves.Apply(new LiveEvent($"run:{s_run}", ++_sequence, s_start, "status", new JobStatusEvent(Guid.NewGuid(), JobKinds.Training, JobState.Cancelled, 0.2, "Cancelled by carol.")));
        Assert.Equal(JobState.Cancelled, curves.State);
        Assert.Equal("Cancelled by carol.", curves.Error);
        Assert.Null(curves.Remaining);
    }

    [Fact]
    public void Each_step_point_carries_its_event_sequence_and_the_engine_time_of_the_step()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0, null, [], []);
        var step = Step(1, 0.25);
        curves.Apply(step);
        var expected = (s_start.AddSeconds(0.25) - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        foreach (var curve in new[] { curves.StepLoss, curves.LearningRate })
        {
            var (sequence, madeAt) = curve.OriginsFrom(0)!.Value;
            Assert.Equal([step.Sequence], sequence);
            Assert.Equal([expected], madeAt);
        }
    }
}
