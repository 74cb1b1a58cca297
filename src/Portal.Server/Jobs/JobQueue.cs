using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

/// <summary>
/// The persisted queue: jobs are rows, added in the same save as the thing they run and claimed by a runner
/// with the row's concurrency stamp, so two runners (threads or processes) never both claim one job. A claim holds
/// the job for <see cref="Lease"/>; its runner renews it, and on PostgreSQL a job whose lease ran out (its runner
/// died) is taken over by the next runner that claims.
/// </summary>
public sealed class JobQueue
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan s_shortestLease = TimeSpan.FromSeconds(3);
    private readonly TimeProvider _clock;
    private TaskCompletionSource _wake = NewSignal();

    public JobQueue(TimeProvider clock, IOptions<PortalOptions> options)
    {
        _clock = clock;
        Lease = options.Value.Jobs.Lease;
        if (Lease < s_shortestLease)
            throw new InvalidOperationException(
                $"Portal:Jobs:Lease is {Lease}; it must be at least {s_shortestLease.TotalSeconds:0} seconds (runners renew it every third of it, and a job whose lease runs out is taken from its runner).");
    }

    /// <summary>How long a claim holds a job without renewal (Portal:Jobs:Lease).</summary>
    public TimeSpan Lease { get; }

    /// <summary>
    /// Adds a queued job to <paramref name="db"/> without saving: the caller saves it with the record it runs
    /// (a training run, say), and the runner is woken once that save has committed.
    /// </summary>
    public JobRecord Enqueue(PortalDbContext db, string kind, object payload, string createdBy)
    {
        var job = new JobRecord
        {
            Kind = kind,
            Payload = JsonSerializer.Serialize(payload, s_json),
            CreatedBy = createdBy,
            CreatedAt = _clock.GetUtcNow(),
        };
        db.Jobs.Add(job);
        EventHandler<SavedChangesEventArgs>? saved = null;
        saved = (_, _) =>
        {
            db.SavedChanges -= saved;
            Wake();
        };
        db.SavedChanges += saved;
        return job;
    }

    public static T ReadPayload<T>(string payload) =>
        JsonSerializer.Deserialize<T>(payload, s_json) ?? throw new InvalidDataException($"Job payload '{payload}' is empty.");

    /// <summary>Tells the runner there may be work (a job was queued, resumed, or a slot came free).</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Returns when woken or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitForWork(TimeSpan timeout, CancellationToken ct)
    {
        var signal = Volatile.Read(ref _wake);
        try
        {
            await signal.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
        }
        // The runner looks for work after every wait, so a wake that lands on the replaced signal is not lost.
        Interlocked.CompareExchange(ref _wake, NewSignal(), signal);
    }

    /// <summary>The oldest queued jobs whose kind is (or, with <paramref name="exceptKinds"/>, is not) one of <paramref name="kinds"/>.</summary>
    public async Task<List<JobRecord>> Oldest(PortalDbContext db, IReadOnlyCollection<string> kinds, bool exceptKinds, int count, CancellationToken ct)
    {
        var queued = db.Jobs.Where(j => j.State == JobState.Queued);
        queued = exceptKinds ? queued.Where(j => !kinds.Contains(j.Kind)) : queued.Where(j => kinds.Contains(j.Kind));
        return await queued.OrderBy(j => j.CreatedAt).Take(count).ToListAsync(ct);
    }

    /// <summary>
    /// PostgreSQL, inside the caller's transaction: the oldest job of the lane that may be claimed (queued, or running
    /// on a lease that ran out), locked for the transaction. Rows other runners have locked are skipped, so concurrent
    /// claim rounds neither wait for nor take one another's job.
    /// </summary>
    public async Task<JobRecord?> NextClaimable(PortalDbContext db, IReadOnlyCollection<string> kinds, bool exceptKinds, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        string[] lane = [.. kinds];
        string queued = nameof(JobState.Queued), running = nameof(JobState.Running);
        var next = exceptKinds
            ? db.Jobs.FromSql($"""
                SELECT * FROM "Jobs"
                WHERE ("State" = {queued} OR ("State" = {running} AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})))
                  AND NOT ("Kind" = ANY ({lane}))
                ORDER BY "CreatedAt" LIMIT 1 FOR UPDATE SKIP LOCKED
                """)
            : db.Jobs.FromSql($"""
                SELECT * FROM "Jobs"
                WHERE ("State" = {queued} OR ("State" = {running} AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})))
                  AND "Kind" = ANY ({lane})
                ORDER BY "CreatedAt" LIMIT 1 FOR UPDATE SKIP LOCKED
                """);
        // Not composed further: the row lock must stay on the outermost query.
        return (await next.ToListAsync(ct)).FirstOrDefault();
    }

    /// <summary>
    /// Moves <paramref name="job"/> (tracked by <paramref name="db"/>, as read) to Running for <paramref name="runner"/>;
    /// false when someone else changed it first (another runner claimed it, a user cancelled it). A running job whose
    /// lease ran out is taken over: interrupted and queued again as a user's resume does, then claimed, in one save.
    /// </summary>
    public async Task<bool> TryClaim(PortalDbContext db, AuditLog audit, JobRecord job, string runner, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        string? cancelRequestedBy = null;
        if (job.State == JobState.Running && (job.LeaseExpiresAt is not { } held || held < now))
        {
            cancelRequestedBy = job.CancelRequestedBy;
            TakeOver(audit, job, runner, now);
        }
        if (job.State != JobState.Queued) return false;
        JobLifecycle.Move(job, JobState.Running, now, runner: runner, leaseUntil: now + Lease);
        // A cancel asked of the dead runner is kept for the new one, which honours it as it starts.
        job.CancelRequestedBy = cancelRequestedBy;
        audit.Append("system", "job.start", "job", job.Id.ToString(), new { job.Kind, job.Attempts, runner });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private static void TakeOver(AuditLog audit, JobRecord job, string runner, DateTimeOffset now)
    {
        var from = job.ClaimedBy ?? "an unknown runner";
        var reason = $"Its runner ({from}) stopped renewing its lease; {runner} took the job over to continue from its last checkpoint.";
        JobLifecycle.Move(job, JobState.Interrupted, now, reason);
        audit.Append("system", "job.takeover", "job", job.Id.ToString(), new { job.Kind, from, runner, reason });
        JobLifecycle.Move(job, JobState.Queued, now);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
