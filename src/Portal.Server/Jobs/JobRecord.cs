using Portal.Contracts.Jobs;

namespace Portal.Server.Jobs;

public static class JobKinds
{
    public const string Training = "training";
    public const string Evaluation = "evaluation";
    public const string Export = "export";
    public const string Compression = "compression";
    public const string Import = "import";

    /// <summary>Kinds that train (compression fine-tunes): they share the training lane, so one at a time saturates the cores.</summary>
    public static readonly string[] TrainingLane = [Training, Compression];
}

/// <summary>A unit of background work, persisted so the queue and every job's state survive a restart.</summary>
public sealed class JobRecord
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Kind { get; set; }
    public JobState State { get; set; } = JobState.Queued;

    /// <summary>What the job's handler needs, as JSON (for a training job: the run id).</summary>
    public required string Payload { get; set; }

    public double Progress { get; set; }
    public string? Error { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The runner that holds the job; null while queued.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>
    /// While Running: until when <see cref="ClaimedBy"/> holds the job. Its runner renews it; once it has passed, the
    /// runner is taken for dead and another may take the job over. Null when not running.
    /// </summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>Who asked a job running in another process to stop; its runner sees it at its next lease renewal.</summary>
    public string? CancelRequestedBy { get; set; }

    public int Attempts { get; set; }

    /// <summary>Changes on every update: two runners cannot both claim or finish the job.</summary>
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}
