using System.Collections.Concurrent;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>
/// A job kind whose runs the test steers: each names a gate; the run reports when it started, optionally reports
/// progress, then waits (cancellably) until the test opens the gate, optionally reports progress again, and fails if
/// the payload says so.
/// </summary>
public sealed class ProbeJobHandler : IJobHandler
{
    public const string ProbeKind = "probe";

    private readonly ConcurrentDictionary<string, Gate> _gates = new();

    public sealed record Payload(string Gate, bool Wait = true, string? FailWith = null, double? Progress = null, double? ProgressAtEnd = null);

    public string Kind => ProbeKind;

    /// <summary>Jobs the runner told to drop their resume state (failed or cancelled for good).</summary>
    public ConcurrentQueue<Guid> Released { get; } = new();

    /// <summary>The runner releases a job just after it records the job failed or cancelled: wait for that.</summary>
    public Task WaitReleased(Guid jobId) =>
        Poll.Until(() => Released.Contains(jobId), TimeSpan.FromSeconds(10), () => $"Job {jobId} was not released within 10 s of ending.", TimeSpan.FromMilliseconds(10));

    public Gate For(string name) => _gates.GetOrAdd(name, _ => new Gate());

    public string? Topic(JobRecord job) => $"probe:{job.Id}";

    public async Task Run(JobExecution job, CancellationToken ct)
    {
        var payload = job.ReadPayload<Payload>();
        var gate = For(payload.Gate);
        gate.Attempts.Enqueue((job.Attempt, job.Resuming));
        gate.Started.TrySetResult(job);
        if (payload.Progress is { } progress) await job.ReportProgress(progress);
        if (payload.Wait) await gate.Opened.Task.WaitAsync(ct);
        if (payload.ProgressAtEnd is { } last) await job.ReportProgress(last);
        if (payload.FailWith is { } message) throw new InvalidOperationException(message);
    }

    public void Release(JobRecord job) => Released.Enqueue(job.Id);

    public sealed class Gate
    {
        public TaskCompletionSource<JobExecution> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<(int Attempt, bool Resuming)> Attempts { get; } = new();

        public void Open() => Opened.TrySetResult();
    }
}
