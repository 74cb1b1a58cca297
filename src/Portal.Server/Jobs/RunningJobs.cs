using System.Collections.Concurrent;

namespace Portal.Server.Jobs;

/// <summary>
/// The jobs this process runs, each with the cancellation that stops it. A user's cancel signals it here; the
/// runner then records the job Cancelled when its handler stops (within a batch for training).
/// </summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, Handle> _jobs = new();

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

    public bool RunsHere(Guid jobId) => _jobs.ContainsKey(jobId);

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
