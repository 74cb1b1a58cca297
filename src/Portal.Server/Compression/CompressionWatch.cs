using System.Text.Json;
using Portal.Contracts.Compression;
using Portal.Contracts.Jobs;
using Portal.Server.Jobs;
using Portal.Server.Live;

namespace Portal.Server.Compression;

/// <summary>
/// One compression as the lab shows it while it runs, fed by the live events of <c>compression:{id}</c>: the engine's
/// stage (pruning, fine-tuning, calibrating, quantizing, measuring…), the fine-tuning step, the job's state and progress.
/// </summary>
public sealed class CompressionWatch(CompressionView compression)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public CompressionView Compression { get; } = compression;
    public JobState State { get; private set; } = compression.State;
    public double Progress { get; private set; } = compression.Progress;
    public string? Error { get; private set; } = compression.Error;
    public string? Stage { get; private set; }
    public string? StageDetail { get; private set; }
    public long Step { get; private set; }
    public long TotalSteps { get; private set; }

    public bool Running => State is JobState.Queued or JobState.Running;

    /// <summary>Applies one live event; returns false for events the lab does not show.</summary>
    public bool Apply(LiveEvent e)
    {
        switch (e.Type, e.Data)
        {
            case (_, JobStatusEvent status):
                State = status.State;
                Error = status.Error;
                Progress = status.State == JobState.Succeeded ? 1 : Math.Max(Progress, status.Progress);
                return true;
            case ("stage", var data):
                var stage = JsonSerializer.SerializeToElement(data, s_json);
                Stage = Text(stage, "stage");
                StageDetail = Text(stage, "detail");
                State = JobState.Running;
                return true;
            case ("step", var data):
                var step = JsonSerializer.SerializeToElement(data, s_json);
                Step = step.GetProperty("step").GetInt64();
                TotalSteps = step.GetProperty("totalSteps").GetInt64();
                // The job gives fine-tuning the first nine tenths of its progress (CompressionJobHandler).
                if (TotalSteps > 0) Progress = Math.Max(Progress, 0.9 * Step / TotalSteps);
                State = JobState.Running;
                return true;
            default:
                return false;
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
