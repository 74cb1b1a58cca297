using Portal.Contracts.Compression;
using Portal.Contracts.Jobs;
using Portal.Server.Compression;
using Portal.Server.Jobs;
using Portal.Server.Live;

namespace Portal.Ui.Tests.Compression;

public sealed class CompressionWatchTests
{
    private static readonly Guid s_id = Guid.NewGuid();

    private static CompressionView Queued() => new(
        s_id, "fashion", 1, "quantize-int8", default, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), JobState.Queued, 0, null, null, "dave", DateTimeOffset.UnixEpoch);

    // The shapes CompressionJobHandler publishes on compression:{id}.
    private static LiveEvent Event(long sequence, string type, object data) => new($"compression:{s_id}", sequence, DateTimeOffset.UnixEpoch, type, data);

    [Fact]
    public void Stage_and_steps_from_the_live_bus_move_the_stage_and_the_progress()
    {
        var watch = new CompressionWatch(Queued());
        Assert.True(watch.Apply(Event(1, "stage", new { compressionId = s_id, Stage = "fine-tuning", Detail = "2 epochs" })));
        Assert.Equal("fine-tuning", watch.Stage);
        Assert.Equal("2 epochs", watch.StageDetail);
        Assert.Equal(JobState.Running, watch.State);

        Assert.True(watch.Apply(Event(2, "step", new { compressionId = s_id, Epoch = 1, Step = 50L, TotalSteps = 100L, Loss = 0.4, LearningRate = 0.001, SamplesPerSecond = 900.0 })));
        Assert.Equal(50, watch.Step);
        Assert.Equal(100, watch.TotalSteps);
        Assert.Equal(0.45, watch.Progress, 6);
        Assert.True(watch.Running);
    }

    [Fact]
    public void The_job_status_ends_the_watch_with_its_error()
    {
        var watch = new CompressionWatch(Queued());
        watch.Apply(Event(1, "status", new JobStatusEvent(Guid.NewGuid(), JobKinds.Compression, JobState.Failed, 0.3, "Sparsity must be in (0, 1), not 1.")));
        Assert.False(watch.Running);
        Assert.Equal(JobState.Failed, watch.State);
        Assert.Equal("Sparsity must be in (0, 1), not 1.", watch.Error);

        var succeeded = new CompressionWatch(Queued());
        succeeded.Apply(Event(1, "status", new JobStatusEvent(Guid.NewGuid(), JobKinds.Compression, JobState.Succeeded, 0.95, null)));
        Assert.Equal(1, succeeded.Progress);
    }

    [Fact]
    public void Events_the_lab_does_not_draw_change_nothing()
    {
        var watch = new CompressionWatch(Queued());
        Assert.False(watch.Apply(Event(1, "epoch", new { Epoch = 1 })));
        Assert.Equal(JobState.Queued, watch.State);
        Assert.Null(watch.Stage);
    }
}
