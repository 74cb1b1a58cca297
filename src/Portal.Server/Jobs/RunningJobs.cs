using System.Collections.Concurrent;
using Portal.Contracts.Jobs;

namespace Portal.Server.Jobs;

/// <summary>
/// The jobs this process runs, each with the cancellation that stops it. A user's cancel signals it here; the
/// runner then records the job Cancelled when its handler stops (within a batch for training).
/// Also the jobs that stopped here but whose outcome storage refused to record: their rows still say Running, so
/// until the runner records them this process answers for them as Interrupted, with the storage error as the reason.
/// </summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, Handle> _jobs = new();
    private readonly ConcurrentDictionary<Guid, UnrecordedOutcome> _unrecorded = new();

    /// <summary>A job that stopped here while its row, last written with <see cref="Stamp"/>, still says Running.</summary>
    public sealed record UnrecordedOutcome(Guid Stamp, string Reason);

    /// <summary>Signals a job this process runs to stop; false when it does not run here.</summary>
    public bool Cancel(Guid jobId, string actor)
    {
        if (!_jobs.TryGetValue(jobId, out var handle)) return false;
        handle.CancelledBy ??= actor;
        try
        {
            handle.Cancellation.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            // It finished as we asked; the caller reads its final state.
            return false;
        }
    }

    /// <summary>Stops a job this process no longer holds (another runner took it over): nobody cancelled it.</summary>
    internal void Abandon(Guid jobId)
    {
        if (!_jobs.TryGetValue(jobId, out var handle)) return;
        try
        {
            handle.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It finished as we looked.
        }
    }

    public bool RunsHere(Guid jobId) => _jobs.ContainsKey(jobId);

    /// <summary>Why <paramref name="job"/>, read as Running, in fact stopped here unrecorded; null when it did not.</summary>
    public UnrecordedOutcome? UnrecordedOf(JobRecord job) =>
        job.State == JobState.Running && _unrecorded.TryGetValue(job.Id, out var outcome) && outcome.Stamp == job.ConcurrencyStamp ? outcome : null;

    /// <summary>
    /// <paramref name="job"/> (read without tracking) as this process knows it: Interrupted with the storage error
    /// as its reason when it stopped here unrecorded.
    /// </summary>
    public JobRecord AsKnown(JobRecord job)
    {
        if (UnrecordedOf(job) is not { } outcome) return job;
        job.State = JobState.Interrupted;
        job.Error = outcome.Reason;
        return job;
    }

    internal void Unrecorded(Guid jobId, UnrecordedOutcome outcome) => _unrecorded[jobId] = outcome;

    /// <summary>The job's row no longer needs this process to answer for it (recorded, or changed by someone).</summary>
    internal void Recorded(Guid jobId) => _unrecorded.TryRemove(jobId, out _);

    internal IReadOnlyList<KeyValuePair<Guid, UnrecordedOutcome>> UnrecordedJobs() => [.. _unrecorded];

    /// <summary>Registered before the claim is saved, so a cancel that follows the claim always finds the job.</summary>
    internal Handle Register(Guid jobId, CancellationToken stopping)
    {
        var handle = new Handle(CancellationTokenSource.CreateLinkedTokenSource(stopping));
        if (!_jobs.TryAdd(jobId, handle))
        {
            handle.Cancellation.Dispose();
            throw new InvalidOperationException($"Job {jobId} is already running in this process.");
        }
        return handle;
    }

    internal void Remove(Guid jobId)
    {
        if (_jobs.TryRemove(jobId, out var handle)) handle.Cancellation.Dispose();
    }

    internal sealed class Handle(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        /// <summary>Who asked the job to stop; null when nobody did (the server may still be shutting down).</summary>
        public string? CancelledBy { get; set; }
    }
}
