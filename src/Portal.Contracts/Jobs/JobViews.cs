using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Contracts.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>The process stopped while it ran; resumable from its last checkpoint.</summary>
    Interrupted,
}

public static class JobStates
{
    /// <summary>Succeeded, Failed, Cancelled or Interrupted: the job will not move on by itself.</summary>
    public static bool IsFinished(this JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Interrupted;
}

/// <summary>A job as GET /api/v1/jobs shows it; <see cref="Payload"/> is what its handler needs (for training, the run id).</summary>
public sealed record JobView(
    Guid Id, string Kind, JobState State, double Progress, string? Error, JsonElement Payload, int Attempts,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? ClaimedBy);

/// <summary>
/// A job moved to <see cref="State"/> (the <c>status</c> live event on <c>job:{id}</c>, <c>jobs</c> and the topic of the
/// thing it runs); <see cref="Error"/> says why it failed, was cancelled or interrupted.
/// </summary>
public sealed record JobStatusEvent(Guid JobId, string Kind, JobState State, double Progress, string? Error);

/// <summary>A running job's progress in [0, 1] (the <c>progress</c> live event on <c>job:{id}</c>).</summary>
public sealed record JobProgressEvent(Guid JobId, double Progress);
