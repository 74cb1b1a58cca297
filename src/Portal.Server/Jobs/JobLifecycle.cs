using System.Collections.Frozen;
using Portal.Contracts.Jobs;

namespace Portal.Server.Jobs;

/// <summary>
/// The only code that changes a job's state: queued → running → succeeded / failed / cancelled / interrupted;
/// queued and interrupted jobs may be cancelled; an interrupted job may be queued again (resumed). Every move
/// stamps its time and renews the concurrency stamp, so two writers cannot both make a move from the same state.
/// Only a running job has a lease; a cancel request belongs to the run it was made for, so every move drops it.
/// </summary>
public static class JobLifecycle
{
    private static readonly FrozenDictionary<JobState, JobState[]> s_moves = new Dictionary<JobState, JobState[]>
    {
        [JobState.Queued] = [JobState.Running, JobState.Cancelled],
        [JobState.Running] = [JobState.Succeeded, JobState.Failed, JobState.Cancelled, JobState.Interrupted],
        [JobState.Interrupted] = [JobState.Queued, JobState.Cancelled],
        [JobState.Succeeded] = [],
        [JobState.Failed] = [],
        [JobState.Cancelled] = [],
    }.ToFrozenDictionary();

    public static bool CanMove(JobState from, JobState to) => s_moves[from].Contains(to);

    /// <summary>Succeeded, failed and cancelled jobs never change again.</summary>
    public static bool IsFinal(JobState state) => s_moves[state].Length == 0;

    /// <summary>Moves <paramref name="job"/> to <paramref name="to"/>.</summary>
    /// <param name="reason">Why a job failed, was cancelled or interrupted; kept in <see cref="JobRecord.Error"/>.</param>
    /// <param name="runner">The runner that claims the job, for a move to Running.</param>
    /// <param name="leaseUntil">Until when <paramref name="runner"/> holds the job unless it renews; null is already expired.</param>
    /// <exception cref="JobStateException">The move is not allowed from the job's current state.</exception>
    public static void Move(JobRecord job, JobState to, DateTimeOffset now, string? reason = null, string? runner = null, DateTimeOffset? leaseUntil = null)
    {
        if (!CanMove(job.State, to)) throw new JobStateException(job.Id, job.State, to);
        job.LeaseExpiresAt = to == JobState.Running ? leaseUntil : null;
        job.CancelRequestedBy = null;
        switch (to)
        {
            case JobState.Running:
                job.Attempts++;
                job.StartedAt = now;
                job.FinishedAt = null;
                job.ClaimedBy = runner ?? throw new ArgumentException("A job moves to Running only when a runner claims it.", nameof(runner));
                job.Error = null;
                break;
            case JobState.Queued:
                // Resumed: keeps its progress and attempts; the next claim starts it again.
                job.ClaimedBy = null;
                job.FinishedAt = null;
                job.Error = null;
                break;
            case JobState.Succeeded:
                job.FinishedAt = now;
                job.Progress = 1;
                job.Error = null;
                break;
            case JobState.Failed:
            case JobState.Cancelled:
            case JobState.Interrupted:
                job.FinishedAt = now;
                job.Error = reason;
                break;
        }
        job.State = to;
        job.ConcurrencyStamp = Guid.NewGuid();
    }
}

public sealed class JobStateException(Guid jobId, JobState from, JobState to)
    : InvalidOperationException($"Job {jobId} is {from}; it cannot become {to}.")
{
    public JobState From { get; } = from;
    public JobState To { get; } = to;
}
