using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

/// <summary>
/// Claims queued jobs and runs them with their kind's <see cref="IJobHandler"/>: training jobs in one lane,
/// every other kind in another, each with its configured concurrency (Portal:Jobs). Woken when a job is queued,
/// and polls in case another process queued one. On shutdown, running jobs stop and are recorded Interrupted.
/// A job stopped by storage refusing writes is Interrupted too (resumable), not Failed. Recording an outcome is
/// retried; when storage still refuses it, the job is left to <see cref="RunningJobs"/> to answer for as Interrupted
/// and recorded on a later round, once storage takes writes again.
/// It holds each job it runs on a lease (<see cref="JobQueue.Lease"/>), renewed every third of it: when a renewal finds
/// the job no longer held by this runner (another took it over), the run stops and nothing is recorded for it; when it
/// finds a cancel asked from another process, the run is cancelled as a local cancel would. On PostgreSQL claims lock
/// the row (SKIP LOCKED) and take over jobs whose runner stopped renewing; on SQLite (one process) the stamp decides.
/// It talks to other parts only through the database and the live bus, so it can later run in a process of its own.
/// </summary>
public sealed class JobRunner : BackgroundService
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan[] s_recordRetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];
    private readonly IServiceScopeFactory _scopes;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly JobQueue _queue;
    private readonly RunningJobs _running;
    private readonly LiveBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILogger<JobRunner> _log;
    private readonly Lane[] _lanes;
    private readonly ConcurrentDictionary<Guid, Task> _active = new();
    private readonly ConcurrentDictionary<Guid, JobExecution> _held = new();

    public JobRunner(IServiceScopeFactory scopes, IEnumerable<IJobHandler> handlers, JobQueue queue, RunningJobs running, LiveBus bus,
        IOptions<PortalOptions> options, TimeProvider clock, ILogger<JobRunner> log)
    {
        _scopes = scopes;
        _handlers = [];
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Kind, handler))
                throw new InvalidOperationException($"Two job handlers claim the kind '{handler.Kind}'.");
        }
        _queue = queue;
        _running = running;
        _bus = bus;
        _clock = clock;
        _log = log;
        var jobs = options.Value.Jobs;
        if (jobs.TrainingConcurrency < 1 || jobs.OtherConcurrency < 1)
            throw new InvalidOperationException($"Portal:Jobs concurrency must be at least 1 (training {jobs.TrainingConcurrency}, other {jobs.OtherConcurrency}).");
        _lanes =
        [
            new Lane(JobKinds.TrainingLane, exceptKinds: false, jobs.TrainingConcurrency),
            new Lane(JobKinds.TrainingLane, exceptKinds: true, jobs.OtherConcurrency),
        ];
    }

    /// <summary>This runner's name, recorded as <see cref="JobRecord.ClaimedBy"/>.</summary>
    public string Name { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Yield();
        var renewing = RenewLeases(stopping);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await RecordUnrecorded();
                foreach (var lane in _lanes) await Fill(lane, stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                _log.LogError(e, "Claiming queued jobs failed; trying again shortly.");
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await _queue.WaitForWork(s_pollInterval, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Stopping cancelled every running job's token; wait for each to record itself Interrupted.
        await Task.WhenAll(_active.Values);
        await renewing;
    }

    private async Task Fill(Lane lane, CancellationToken stopping)
    {
        while (Volatile.Read(ref lane.Running) < lane.Capacity && !stopping.IsCancellationRequested)
        {
            var claimed = await ClaimOne(lane, stopping);
            if (claimed is null) return;
            Interlocked.Increment(ref lane.Running);
            var (job, handle) = claimed.Value;
            var execution = new JobExecution(job, _scopes, _bus, _clock);
            // Listed before it starts, so a job that ends at once still removes itself from the lists.
            _held[job.Id] = execution;
            var run = new Task<Task>(() => Execute(job, execution, handle, lane, stopping));
            _active[job.Id] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task<(JobRecord Job, RunningJobs.Handle Handle)?> ClaimOne(Lane lane, CancellationToken stopping)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        if (db.Database.IsNpgsql()) return await ClaimLocked(db, audit, lane, stopping);
        foreach (var job in await _queue.Oldest(db, lane.Kinds, lane.ExceptKinds, 8, stopping))
        {
            var handle = _running.Register(job.Id, stopping);
            if (await _queue.TryClaim(db, audit, job, Name, stopping)) return (job, handle);
            _running.Remove(job.Id);
        }
        return null;
    }

    /// <summary>PostgreSQL: claims (or takes over) the lane's next claimable job under a row lock other runners skip.</summary>
    private async Task<(JobRecord Job, RunningJobs.Handle Handle)?> ClaimLocked(PortalDbContext db, AuditLog audit, Lane lane, CancellationToken stopping)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(stopping);
        if (await _queue.NextClaimable(db, lane.Kinds, lane.ExceptKinds, stopping) is not { } job) return null;
        var handle = _running.Register(job.Id, stopping);
        try
        {
            if (await _queue.TryClaim(db, audit, job, Name, stopping))
            {
                // Not cancellable: the saved claim holds this process's turn on the audit chain until it commits.
                await transaction.CommitAsync(CancellationToken.None);
                return (job, handle);
            }
        }
        catch
        {
            _running.Remove(job.Id);
            throw;
        }
        _running.Remove(job.Id);
        await transaction.RollbackAsync(CancellationToken.None);
        return null;
    }

    private async Task Execute(JobRecord job, JobExecution execution, RunningJobs.Handle handle, Lane lane, CancellationToken stopping)
    {
        _handlers.TryGetValue(job.Kind, out var handler);
        try
        {
            // Taken over from a dead runner that had been asked to stop: the cancel holds.
            if (job.CancelRequestedBy is { } requestedBy) _running.Cancel(job.Id, requestedBy);
            JobTopics.PublishStatus(_bus, job, _handlers.Values);
            JobState outcome;
            string? reason = null;
            try
            {
                if (handler is null)
                    throw new InvalidOperationException($"No handler runs jobs of kind '{job.Kind}'; known kinds are {string.Join(", ", _handlers.Keys)}.");
                await handler.Run(execution, handle.Cancellation.Token);
                outcome = JobState.Succeeded;
            }
            catch (Exception e) when (handle.CancelledBy is not null)
            {
                outcome = JobState.Cancelled;
                reason = $"Cancelled by {handle.CancelledBy}.";
                _log.LogInformation("Job {Job} ({Kind}) was cancelled by {Actor} ({Error}).", job.Id, job.Kind, handle.CancelledBy, e.Message);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                outcome = JobState.Interrupted;
                reason = "The server shut down while the job ran; resume it to continue from its last checkpoint.";
            }
            catch (Exception e) when (ProblemMapping.StorageFailure(e) is { } cause)
            {
                outcome = JobState.Interrupted;
                reason = $"{cause} The job stopped; resume it to continue from its last checkpoint.";
                _log.LogWarning(e, "Job {Job} ({Kind}) stopped: storage refused a write.", job.Id, job.Kind);
            }
            catch (Exception e)
            {
                outcome = JobState.Failed;
                reason = e.Message;
                if (!execution.Lost) _log.LogWarning(e, "Job {Job} ({Kind}) failed.", job.Id, job.Kind);
            }
            if (execution.Lost)
            {
                _log.LogWarning("Job {Job} was changed elsewhere while it ran here; its outcome ({Outcome}) is not recorded.", job.Id, outcome);
                return;
            }
            JobRecord? finished;
            try
            {
                finished = await FinishRetrying(job.Id, execution.Stamp, outcome, reason, handle.CancelledBy ?? "system");
            }
            catch (Exception e)
            {
                LeaveUnrecorded(job, execution, e);
                return;
            }
            if (finished is not null)
            {
                JobTopics.PublishStatus(_bus, finished, _handlers.Values);
                if (finished.State is JobState.Failed or JobState.Cancelled) handler?.Release(finished);
            }
        }
        catch (Exception e)
        {
            _log.LogError(e, "Recording the outcome of job {Job} failed.", job.Id);
        }
        finally
        {
            _held.TryRemove(job.Id, out _);
            _running.Remove(job.Id);
            Interlocked.Decrement(ref lane.Running);
            _active.TryRemove(job.Id, out _);
            _queue.Wake();
        }
    }

    private async Task RenewLeases(CancellationToken stopping)
    {
        var period = _queue.Lease / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _clock, stopping);
                await RenewHeld(stopping);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogWarning(e, "Renewing the leases of running jobs failed; trying again shortly.");
            }
        }
    }

    /// <summary>
    /// Extends the lease of every job this runner runs, while the row still says it holds it; a job it no longer holds
    /// is lost (stopped, nothing recorded), a job asked from elsewhere to stop is cancelled.
    /// </summary>
    private async Task RenewHeld(CancellationToken stopping)
    {
        if (_held.IsEmpty) return;
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var until = _clock.GetUtcNow() + _queue.Lease;
        List<Guid> renewed = [];
        foreach (var (jobId, execution) in _held)
        {
            var held = await db.Jobs
                .Where(j => j.Id == jobId && j.ClaimedBy == Name && j.State == JobState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, until), stopping);
            if (held == 1)
            {
                renewed.Add(jobId);
                continue;
            }
            // Recorded by this runner since the list was read, or taken over by another.
            if (!_held.ContainsKey(jobId) || execution.Lost) continue;
            _log.LogWarning("Job {Job} is no longer held by this runner; it stops here and another runner records it.", jobId);
            execution.Lose();
            _running.Abandon(jobId);
        }
        var cancels = await db.Jobs.AsNoTracking()
            .Where(j => renewed.Contains(j.Id) && j.ClaimedBy == Name && j.State == JobState.Running && j.CancelRequestedBy != null)
            .Select(j => new { j.Id, j.CancelRequestedBy })
            .ToListAsync(stopping);
        foreach (var cancel in cancels) _running.Cancel(cancel.Id, cancel.CancelRequestedBy!);
    }

    private async Task<JobRecord?> FinishRetrying(Guid jobId, Guid stamp, JobState to, string? reason, string actor)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await Finish(jobId, stamp, to, reason, actor);
            }
            catch (Exception e) when (attempt < s_recordRetryDelays.Length && e is not DbUpdateConcurrencyException)
            {
                _log.LogWarning("Recording job {Job} {State} failed ({Error}); trying again.", jobId, to, e.Message);
                await Task.Delay(s_recordRetryDelays[attempt], _clock);
            }
        }
    }

    /// <summary>
    /// The job's outcome could not be recorded: it leaves the running set as Interrupted with the storage error as
    /// its reason, so it can be resumed or cancelled at once; its row is recorded on a later round.
    /// </summary>
    private void LeaveUnrecorded(JobRecord job, JobExecution execution, Exception error)
    {
        var cause = ProblemMapping.StorageFailure(error) ?? "Storage refused to record the job's outcome.";
        var reason = $"{cause} The job stopped but its outcome could not be recorded; resume it to continue from its last checkpoint.";
        _log.LogError(error, "Recording the outcome of job {Job} failed; it counts as Interrupted until storage takes writes.", job.Id);
        _running.Unrecorded(job.Id, new RunningJobs.UnrecordedOutcome(execution.Stamp, reason));
        var shown = new JobRecord
        {
            Id = job.Id,
            Kind = job.Kind,
            Payload = job.Payload,
            CreatedBy = job.CreatedBy,
            State = JobState.Interrupted,
            Progress = execution.Progress,
            Error = reason,
        };
        JobTopics.PublishStatus(_bus, shown, _handlers.Values);
    }

    /// <summary>Records the jobs left unrecorded as Interrupted, now that storage may take writes again.</summary>
    private async Task RecordUnrecorded()
    {
        foreach (var (jobId, outcome) in _running.UnrecordedJobs())
        {
            try
            {
                var recorded = await Finish(jobId, outcome.Stamp, JobState.Interrupted, outcome.Reason, "system");
                _running.Recorded(jobId);
                if (recorded is not null) JobTopics.PublishStatus(_bus, recorded, _handlers.Values);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A user resumed or cancelled it first.
                _running.Recorded(jobId);
            }
            catch (Exception e) when (ProblemMapping.StorageFailure(e) is not null)
            {
                // Still refused; the next round tries again.
            }
        }
    }

    /// <summary>Records the job's final state, unless someone else changed it since our last write.</summary>
    private async Task<JobRecord?> Finish(Guid jobId, Guid stamp, JobState to, string? reason, string actor)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == jobId, CancellationToken.None);
        if (job is null || job.ConcurrencyStamp != stamp)
        {
            _log.LogWarning("Job {Job} changed elsewhere before it could be recorded {State}.", jobId, to);
            return null;
        }
        JobLifecycle.Move(job, to, _clock.GetUtcNow(), reason);
        audit.Append(actor, $"job.{Verb(to)}", "job", job.Id.ToString(), new { job.Kind, state = to.ToString(), reason });
        await db.SaveChangesAsync(CancellationToken.None);
        return job;
    }

    internal static string Verb(JobState state) => state switch
    {
        JobState.Queued => "queue",
        JobState.Running => "start",
        JobState.Succeeded => "succeed",
        JobState.Failed => "fail",
        JobState.Cancelled => "cancel",
        JobState.Interrupted => "interrupt",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>Jobs whose kind is (or is not) one of <see cref="Kinds"/>, at most <see cref="Capacity"/> at once.</summary>
    private sealed class Lane(string[] kinds, bool exceptKinds, int capacity)
    {
        public string[] Kinds { get; } = kinds;
        public bool ExceptKinds { get; } = exceptKinds;
        public int Capacity { get; } = capacity;
        public int Running;
    }
}
