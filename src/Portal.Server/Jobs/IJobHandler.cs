namespace Portal.Server.Jobs;

/// <summary>Runs the jobs of one <see cref="Kind"/>; registered as a singleton, the runner dispatches to it.</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>
    /// Does the work. Returning is success; an exception is failure with its message as the reason. When
    /// <paramref name="ct"/> fires (a user's cancel, or the server stopping) stop promptly by throwing
    /// <see cref="OperationCanceledException"/>, keeping what a resume needs.
    /// </summary>
    Task Run(JobExecution job, CancellationToken ct);

    /// <summary>The live topic that also hears the job's status changes (<c>run:{id}</c> for a training job), or null.</summary>
    string? Topic(JobRecord job) => null;

    /// <summary>The job failed or was cancelled and will never resume: drop what was kept for resuming (checkpoints).</summary>
    void Release(JobRecord job)
    {
    }
}
