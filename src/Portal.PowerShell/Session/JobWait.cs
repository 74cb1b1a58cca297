using System.Management.Automation;
using Portal.Client.Live;
using Portal.Contracts.Jobs;
using JobState = Portal.Contracts.Jobs.JobState;

namespace Portal.PowerShell;

/// <summary>Waiting for a job of the portal (an export, an evaluation) with a progress bar from its live topic.</summary>
public abstract class PortalJobCmdlet : PortalCmdlet
{
    /// <summary>Seconds to wait at most (default: as long as it takes); the job goes on in the portal.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSeconds { get; set; }

    /// <summary>
    /// Follows <c>job:{jobId}</c> until the job finishes, writing its state and progress; true when it succeeded.
    /// Otherwise an error about <paramref name="target"/> is written: the job's own error, the timeout or the failure to watch.
    /// </summary>
    protected bool WaitForJob(Guid jobId, string activity, object target)
    {
        using var timeout = TimeoutSeconds is { } s ? new CancellationTokenSource(TimeSpan.FromSeconds(s)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stopped, timeout.Token);
        var activityId = jobId.GetHashCode() & 0x7fffffff;
        // Each record is a new object: the engine keeps the records it is given.
        WriteProgress(new ProgressRecord(activityId, activity, nameof(JobState.Queued)) { PercentComplete = 0 });
        var stream = Client.Live.Watch(LiveTopics.Job(jobId), 0, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (Await(stream.MoveNextAsync().AsTask()))
            {
                var message = stream.Current;
                JobState state;
                double progress;
                string? error = null;
                switch (message.Type)
                {
                    case "status":
                        var status = message.As<JobStatusEvent>();
                        (state, progress, error) = (status.State, status.Progress, status.Error);
                        break;
                    case "progress":
                        // Typed by the client: this assembly must not touch its System.Text.Json (another load context).
                        (state, progress) = (JobState.Running, message.As<JobProgressEvent>().Progress);
                        break;
                    default:
                        continue;
                }
                var percent = state == JobState.Succeeded ? 100 : (int)Math.Clamp(100 * progress, 0, 100);
                WriteProgress(new ProgressRecord(activityId, activity, state.ToString()) { PercentComplete = percent });
                if (!state.IsFinished()) continue;
                if (state == JobState.Succeeded) return true;
                WriteError(new ErrorRecord(new InvalidOperationException($"{activity} ended {state}{(error is null ? "." : $": {error}")}"),
                    "PortalJobNotSucceeded", ErrorCategory.OperationStopped, target));
                return false;
            }
            return false;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !Stopped.IsCancellationRequested)
        {
            WriteError(new ErrorRecord(new TimeoutException($"{activity} (job {jobId}) did not finish within {TimeoutSeconds} seconds; it goes on in the portal."),
                "PortalWaitTimeout", ErrorCategory.OperationTimeout, target));
            return false;
        }
        catch (Exception e) when (AsErrorRecord(e, target) is { } record)
        {
            WriteError(record);
            return false;
        }
        finally
        {
            Await(stream.DisposeAsync().AsTask());
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
