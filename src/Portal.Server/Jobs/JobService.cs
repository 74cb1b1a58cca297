using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

/// <summary>
/// The job after a user's cancel or resume. <see cref="Signalled"/>: the running job was told to stop and becomes
/// Cancelled when its handler stops; otherwise it has moved (cancelled, or queued again).
/// </summary>
public sealed record JobChange(JobRecord Job, bool Signalled = false);

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
                throw Refusal.Invalid($"'{filter.State}' is not a job state; states are {string.Join(", ", Enum.GetNames<JobState>())}.");
            query = query.Where(j => j.State == state);
        }
        if (!string.IsNullOrEmpty(filter.Kind)) query = query.Where(j => j.Kind == filter.Kind);
        return await page.Apply(query.OrderByDescending(j => j.CreatedAt), running.AsKnown, ct);
    }

    public async Task<JobRecord> Get(Guid id, CancellationToken ct) =>
        running.AsKnown(await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) ?? throw NoJob(id));

    /// <summary>
    /// A queued or interrupted job is cancelled at once; a running one is signalled and stops within a batch: at once
    /// when it runs here, at its runner's next lease renewal when it runs in another process.
    /// </summary>
    public async Task<JobChange> Cancel(Guid id, CurrentUser user, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await Changeable(id, user, ct);
            var actor = user.Name;
            InterruptUnrecorded(job);
            switch (job.State)
            {
                case JobState.Running:
                    if (running.Cancel(id, actor)) return new JobChange(job, Signalled: true);
                    if (await RequestCancel(job, actor, ct)) return new JobChange(job, Signalled: true);
                    if (attempt < Attempts)
                    {
                        // It finished (or its runner changed) as we looked: read it again.
                        db.ChangeTracker.Clear();
                        continue;
                    }
                    throw Refusal.Conflict($"Job {id} kept changing while it was being cancelled; try again.");
                case JobState.Queued or JobState.Interrupted:
                    var was = job.State;
                    JobLifecycle.Move(job, JobState.Cancelled, clock.GetUtcNow(), $"Cancelled by {actor}.");
                    audit.Append(actor, "job.cancel", "job", id.ToString(), new { job.Kind, from = was.ToString() });
                    if (!await TrySave(attempt, ct)) continue;
                    running.Recorded(id);
                    Publish(job);
                    handlers.FirstOrDefault(h => h.Kind == job.Kind)?.Release(job);
                    return new JobChange(job);
                default:
                    throw Refusal.Conflict($"Job {id} is already {job.State}; only a queued, running or interrupted job can be cancelled.");
            }
        }
    }

    /// <summary>
    /// Records the cancel in the row of a job another runner holds, for it to see at its next lease renewal; false
    /// when the job stopped running or changed runner since it was read. The concurrency stamp stays: the runner's
    /// own writes go on.
    /// </summary>
    private async Task<bool> RequestCancel(JobRecord job, string actor, CancellationToken ct)
    {
        var holder = job.ClaimedBy;
        var requested = await db.Jobs
            .Where(j => j.Id == job.Id && j.State == JobState.Running && j.ClaimedBy == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequestedBy, actor), ct);
        if (requested == 0) return false;
        job.CancelRequestedBy = actor;
        return true;
    }

    /// <summary>An interrupted job is queued again; its handler continues from the last checkpoint.</summary>
    public async Task<JobChange> Resume(Guid id, CurrentUser user, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await Changeable(id, user, ct);
            var actor = user.Name;
            InterruptUnrecorded(job);
            if (job.State != JobState.Interrupted)
                throw Refusal.Conflict($"Job {id} is {job.State}; only an interrupted job can be resumed.");
            JobLifecycle.Move(job, JobState.Queued, clock.GetUtcNow());
            audit.Append(actor, "job.resume", "job", id.ToString(), new { job.Kind, job.Attempts });
            if (!await TrySave(attempt, ct)) continue;
            running.Recorded(id);
            queue.Wake();
            Publish(job);
            return new JobChange(job);
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

    /// <summary>The job, tracked, when <paramref name="user"/> may change it: its creator, or an Admin.</summary>
    private async Task<JobRecord> Changeable(Guid id, CurrentUser user, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct) ?? throw NoJob(id);
        if (!user.IsAdmin && job.CreatedBy != user.Name)
            throw Refusal.Forbidden($"Job {id} was created by {job.CreatedBy}; only its creator or an Admin may change it.");
        return job;
    }

    private static Refusal NoJob(Guid id) => Refusal.NotFound($"No job {id}.");

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
