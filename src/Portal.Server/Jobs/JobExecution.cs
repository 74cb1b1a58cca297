using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

/// <summary>
/// A claimed job as its handler sees it: what to do (<see cref="Payload"/>), whether this is a resumed attempt,
/// and a way to report progress. Holds the job's concurrency stamp: every write the runner makes is conditional on
/// it, so a runner that lost the job (another node marked it interrupted, say) stops writing.
/// </summary>
public sealed class JobExecution
{
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(1);
    private readonly IServiceScopeFactory _scopes;
    private readonly LiveBus _bus;
    private readonly TimeProvider _clock;
    private DateTimeOffset _lastProgressWrite = DateTimeOffset.MinValue;

    internal JobExecution(JobRecord claimed, IServiceScopeFactory scopes, LiveBus bus, TimeProvider clock)
    {
        JobId = claimed.Id;
        Kind = claimed.Kind;
        Payload = claimed.Payload;
        Attempt = claimed.Attempts;
        CreatedBy = claimed.CreatedBy;
        Stamp = claimed.ConcurrencyStamp;
        Progress = claimed.Progress;
        _scopes = scopes;
        _bus = bus;
        _clock = clock;
    }

    public Guid JobId { get; }
    public string Kind { get; }
    public string Payload { get; }
    public string CreatedBy { get; }

    /// <summary>1 for the first run; more when the job was interrupted and resumed.</summary>
    public int Attempt { get; }

    /// <summary>This run continues an interrupted one: pick up from its checkpoint.</summary>
    public bool Resuming => Attempt > 1;

    public double Progress { get; private set; }

    internal Guid Stamp { get; private set; }

    private volatile bool _lost;

    /// <summary>Someone else changed the job while it ran (or took it over); the runner records nothing more about it.</summary>
    internal bool Lost => _lost;

    /// <summary>The runner's lease renewal found the job no longer held by it.</summary>
    internal void Lose() => _lost = true;

    public T ReadPayload<T>() => JobQueue.ReadPayload<T>(Payload);

    /// <summary>
    /// Records progress (0–1). Stored at most once a second (and always at 1) so a fast loop does not become
    /// a stream of writes; published on <c>job:{id}</c> whenever stored.
    /// </summary>
    public async Task ReportProgress(double fraction)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        Progress = fraction;
        var now = _clock.GetUtcNow();
        if (now - _lastProgressWrite < s_progressInterval && fraction < 1) return;
        _lastProgressWrite = now;

        var next = Guid.NewGuid();
        int updated;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var stamp = Stamp;
            updated = await db.Jobs
                .Where(j => j.Id == JobId && j.ConcurrencyStamp == stamp && j.State == JobState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, fraction).SetProperty(j => j.ConcurrencyStamp, next));
        }
        if (updated == 0)
        {
            _lost = true;
            throw new InvalidOperationException($"Job {JobId} was changed by someone else while it ran here; this runner stops it.");
        }
        Stamp = next;
        _bus.Publish(JobTopics.Job(JobId), "progress", new JobProgressEvent(JobId, fraction));
    }
}
