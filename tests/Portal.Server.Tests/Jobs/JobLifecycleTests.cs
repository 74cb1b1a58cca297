using Portal.Contracts.Jobs;
using Portal.Server.Jobs;

namespace Portal.Server.Tests.Jobs;

public class JobLifecycleTests
{
    private static readonly DateTimeOffset s_created = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_now = s_created.AddMinutes(5);

    private static readonly (JobState From, JobState To)[] s_allowed =
    [
        (JobState.Queued, JobState.Running),
        (JobState.Queued, JobState.Cancelled),
        (JobState.Running, JobState.Succeeded),
        (JobState.Running, JobState.Failed),
        (JobState.Running, JobState.Cancelled),
        (JobState.Running, JobState.Interrupted),
        (JobState.Interrupted, JobState.Queued),
        (JobState.Interrupted, JobState.Cancelled),
    ];

    public static TheoryData<JobState, JobState> Allowed()
    {
        var data = new TheoryData<JobState, JobState>();
        foreach (var (from, to) in s_allowed) data.Add(from, to);
        return data;
    }

    public static TheoryData<JobState, JobState> Refused()
    {
        var data = new TheoryData<JobState, JobState>();
        foreach (var from in Enum.GetValues<JobState>())
        {
            foreach (var to in Enum.GetValues<JobState>())
            {
                if (!s_allowed.Contains((from, to))) data.Add(from, to);
            }
        }
        return data;
    }

    private static JobRecord Job(JobState state) => new()
    {
        Kind = "probe",
        Payload = "{}",
        CreatedBy = "ann",
        CreatedAt = s_created,
        State = state,
        Attempts = state == JobState.Queued ? 0 : 1,
        StartedAt = state == JobState.Queued ? null : s_created.AddMinutes(1),
        FinishedAt = state is JobState.Queued or JobState.Running ? null : s_created.AddMinutes(2),
        ClaimedBy = state == JobState.Queued ? null : "node-a",
        Progress = 0.4,
        Error = state is JobState.Interrupted ? "the server stopped" : null,
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void An_allowed_move_changes_the_state_and_renews_the_concurrency_stamp(JobState from, JobState to)
    {
        var job = Job(from);
        var stamp = job.ConcurrencyStamp;

        JobLifecycle.Move(job, to, s_now, reason: "why", runner: "node-b");

        Assert.Equal(to, job.State);
        Assert.NotEqual(stamp, job.ConcurrencyStamp);
        Assert.Equal(s_created, job.CreatedAt);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_move_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(JobState from, JobState to)
    {
        var job = Job(from);
        var stamp = job.ConcurrencyStamp;

        var error = Assert.Throws<JobStateException>(() => JobLifecycle.Move(job, to, s_now, reason: "why", runner: "node-b"));

        Assert.Equal($"Job {job.Id} is {from}; it cannot become {to}.", error.Message);
        Assert.Equal(from, job.State);
        Assert.Equal(stamp, job.ConcurrencyStamp);
    }

    [Fact]
    public void Claiming_counts_an_attempt_stamps_the_start_and_names_the_runner()
    {
        var job = Job(JobState.Queued);

        JobLifecycle.Move(job, JobState.Running, s_now, runner: "node-b");

        Assert.Equal((1, s_now, (DateTimeOffset?)null, "node-b"), (job.Attempts, job.StartedAt, job.FinishedAt, job.ClaimedBy));
    }

    [Fact]
    public void Running_needs_a_runner_to_claim_the_job()
    {
        Assert.Throws<ArgumentException>(() => JobLifecycle.Move(Job(JobState.Queued), JobState.Running, s_now));
    }

    [Fact]
    public void Success_stamps_the_finish_and_completes_the_progress()
    {
        var job = Job(JobState.Running);

        JobLifecycle.Move(job, JobState.Succeeded, s_now);

        Assert.Equal((s_now, 1.0, (string?)null, "node-a"), (job.FinishedAt, job.Progress, job.Error, job.ClaimedBy));
    }

    [Theory]
    [InlineData(JobState.Running, JobState.Failed)]
    [InlineData(JobState.Running, JobState.Cancelled)]
    [InlineData(JobState.Running, JobState.Interrupted)]
    [InlineData(JobState.Queued, JobState.Cancelled)]
    [InlineData(JobState.Interrupted, JobState.Cancelled)]
    public void Failure_cancellation_and_interruption_keep_the_reason_and_stamp_the_finish(JobState from, JobState to)
    {
        var job = Job(from);

        JobLifecycle.Move(job, to, s_now, reason: "diverged at epoch 2 step 130");

        Assert.Equal((s_now, "diverged at epoch 2 step 130", 0.4), (job.FinishedAt, job.Error, job.Progress));
    }

    [Fact]
    public void Resuming_queues_the_job_again_keeping_its_progress_and_attempts()
    {
        var job = Job(JobState.Interrupted);

        JobLifecycle.Move(job, JobState.Queued, s_now);

        Assert.Equal((JobState.Queued, 1, 0.4), (job.State, job.Attempts, job.Progress));
        Assert.Null(job.FinishedAt);
        Assert.Null(job.Error);
        Assert.Null(job.ClaimedBy);

        JobLifecycle.Move(job, JobState.Running, s_now.AddMinutes(1), runner: "node-c");
        Assert.Equal((2, s_now.AddMinutes(1)), (job.Attempts, job.StartedAt));
    }

    [Fact]
    public void Succeeded_failed_and_cancelled_are_final()
    {
        Assert.Equal(
            [JobState.Succeeded, JobState.Failed, JobState.Cancelled],
            Enum.GetValues<JobState>().Where(JobLifecycle.IsFinal));
    }
}
