using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Audit;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

/// <summary>
/// The persisted queue: jobs are rows, added in the same save as the thing they run and claimed by a runner
/// with the row's concurrency stamp, so two runners (threads or processes) never both claim one job.
/// </summary>
public sealed class JobQueue(TimeProvider clock)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private TaskCompletionSource _wake = NewSignal();

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
            CreatedAt = clock.GetUtcNow(),
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
    /// Moves <paramref name="job"/> (tracked by <paramref name="db"/>, as read) to Running for <paramref name="runner"/>;
    /// false when someone else changed it first (another runner claimed it, a user cancelled it).
    /// </summary>
    public async Task<bool> TryClaim(PortalDbContext db, AuditLog audit, JobRecord job, string runner, CancellationToken ct)
    {
        if (job.State != JobState.Queued) return false;
        JobLifecycle.Move(job, JobState.Running, clock.GetUtcNow(), runner: runner);
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

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
