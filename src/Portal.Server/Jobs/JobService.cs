using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

public enum JobChangeOutcome
{
    /// <summary>The job moved (cancelled, or queued again).</summary>
    Done,

    /// <summary>The running job was told to stop; it becomes Cancelled when its handler stops.</summary>
    Signalled,
    NotFound,
    Forbidden,
    Conflict,
}

public sealed record JobChange(JobChangeOutcome Outcome, JobRecord? Job, string? Message = null);

/// <summary>
/// Reads jobs and carries out a user's cancel and resume. Who may: the job's creator, or an Admin for anyone's
/// job (jobs created by the system only an Admin may touch).
/// </summary>
public sealed class JobService(PortalDbContext db, AuditLog audit, JobQueue queue, RunningJobs running, LiveBus bus,
    IEnumerable<IJobHandler> handlers, TimeProvider clock)
{
    private const int Attempts = 3;

    public sealed record Filter(string? State, string? Kind);

    public async Task<Page<JobRecord>> List(Filter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Jobs.AsNoTracking();
        if (!string.IsNullOrEmpty(filter.State))
        {
            if (!Enum.TryParse<JobState>(filter.State, ignoreCase: true, out var state) || !Enum.IsDefined(state))
                throw new ArgumentException($"'{filter.State}' is not a job state; states are {string.Join(", ", Enum.GetNames<JobState>())}.");
            query = query.Where(j => j.State == state);
        }
        if (!string.IsNullOrEmpty(filter.Kind)) query = query.Where(j => j.Kind == filter.Kind);
        return await page.Apply(query.OrderByDescending(j => j.CreatedAt), running.AsKnown, ct);
    }

    public async Task<JobRecord?> Find(Guid id, CancellationToken ct) =>
        await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) is { } job ? running.AsKnown(job) : null;

    /// <summary>A queued or interrupted job is cancelled at once; a running one is signalled and stops within a batch.</summary>
    public async Task<JobChange> Cancel(Guid id, string actor, bool mayActForOthers, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct);
            if (Denied(job, id, actor, mayActForOthers) is { } denied) return denied;
            InterruptUnrecorded(job!);
            switch (job!.State)
            {
                case JobState.Running:
                    if (running.Cancel(id, actor)) return new JobChange(JobChangeOutcome.Signalled, job);
                    if (attempt < Attempts)
                    {
                        // It finished (or its claim committed elsewhere) as we looked: read it again.
                        db.ChangeTracker.Clear();
                        continue;
                    }
                    return new JobChange(JobChangeOutcome.Conflict, job, $"Job {id} is running in another process ({job.ClaimedBy}); cancel it there.");
                case JobState.Queued or JobState.Interrupted:
                    var was = job.State;
                    JobLifecycle.Move(job, JobState.Cancelled, clock.GetUtcNow(), $"Cancelled by {actor}.");
                    audit.Append(actor, "job.cancel", "job", id.ToString(), new { job.Kind, from = was.ToString() });
                    if (!await TrySave(attempt, ct)) continue;
                    running.Recorded(id);
                    Publish(job);
                    handlers.FirstOrDefault(h => h.Kind == job.Kind)?.Release(job);
                    return new JobChange(JobChangeOutcome.Done, job);
                default:
                    return new JobChange(JobChangeOutcome.Conflict, job, $"Job {id} is already {job.State}; only a queued, running or interrupted job can be cancelled.");
            }
        }
    }

    /// <summary>An interrupted job is queued again; its handler continues from the last checkpoint.</summary>
    public async Task<JobChange> Resume(Guid id, string actor, bool mayActForOthers, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct);
            if (Denied(job, id, actor, mayActForOthers) is { } denied) return denied;
            InterruptUnrecorded(job!);
            if (job!.State != JobState.Interrupted)
                return new JobChange(JobChangeOutcome.Conflict, job, $"Job {id} is {job.State}; only an interrupted job can be resumed.");
            JobLifecycle.Move(job, JobState.Queued, clock.GetUtcNow());
            audit.Append(actor, "job.resume", "job", id.ToString(), new { job.Kind, job.Attempts });
            if (!await TrySave(attempt, ct)) continue;
            running.Recorded(id);
            queue.Wake();
            Publish(job);
            return new JobChange(JobChangeOutcome.Done, job);
        }
    }

    /// <summary>
    /// A job that stopped here but whose outcome storage refused still reads Running: record it Interrupted, with the
    /// storage error, in the same save as the user's move.
    /// </summary>
    private void InterruptUnrecorded(JobRecord job)
    {
        if (running.UnrecordedOf(job) is not { } outcome) return;
        JobLifecycle.Move(job, JobState.Interrupted, clock.GetUtcNow(), outcome.Reason);
        audit.Append("system", "job.interrupt", "job", job.Id.ToString(), new { job.Kind, reason = outcome.Reason });
    }

    private static JobChange? Denied(JobRecord? job, Guid id, string actor, bool mayActForOthers)
    {
        if (job is null) return new JobChange(JobChangeOutcome.NotFound, null, $"No job {id}.");
        if (!mayActForOthers && job.CreatedBy != actor)
            return new JobChange(JobChangeOutcome.Forbidden, job, $"Job {id} was created by {job.CreatedBy}; only its creator or an Admin may change it.");
        return null;
    }

    /// <summary>Saves; false (to read the job again) when someone changed it first, until the last attempt.</summary>
    private async Task<bool> TrySave(int attempt, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException) when (attempt < Attempts)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private void Publish(JobRecord job) => JobTopics.PublishStatus(bus, job, handlers);
}
