using System.Text.Json;

namespace Portal.Client.Models;

public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>The server stopped while it ran; resumable from its last checkpoint.</summary>
    Interrupted,
}

public static class JobStates
{
    /// <summary>Succeeded, Failed, Cancelled or Interrupted: the job will not move on by itself.</summary>
    public static bool IsFinished(this JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Interrupted;
}

public sealed record Job(
    Guid Id, string Kind, JobState State, double Progress, string? Error, JsonElement Payload, int Attempts,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? ClaimedBy);
