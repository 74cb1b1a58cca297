using System.Text.Json;

namespace Portal.Client.Models;

/// <summary>
/// A training run. <see cref="OnnxArtifact"/> is set once an export (<see cref="RunsClient.Export"/>) succeeded;
/// <see cref="ExportJobId"/> is the latest export's job.
/// </summary>
public sealed record Run(
    Guid Id, string Name, Guid DatasetId, Guid? ValidationDatasetId, JsonElement Spec, JsonElement Options,
    Guid JobId, JobState State, double Progress, string? Error, int Attempts,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    string? WeightsArtifact, string? OnnxArtifact, Guid? ExportJobId, int? BestEpoch, string? StopReason);

/// <summary>
/// POST /api/v1/runs. <see cref="Spec"/> is the engine's model spec JSON; <see cref="Options"/> the hyper-parameters
/// (<c>epochs</c>, <c>batchSize</c>, <c>optimizer</c>, <c>learningRate</c>, <c>seed</c>, …); omitted ones take the engine's defaults.
/// </summary>
public sealed record CreateRunRequest(string? Name, Guid DatasetId, Guid? ValidationDatasetId, JsonElement Spec, JsonElement? Options);

/// <summary>One epoch of a run's stored curve (and the <c>epoch</c> live event).</summary>
public sealed record RunEpoch(
    int Epoch, double TrainLoss, double? TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double LearningRate, double Seconds, double SamplesPerSecond);

/// <summary>One optimiser step of a run's stored curve.</summary>
public sealed record RunStepPoint(long Step, int Epoch, double Loss, double LearningRate);

/// <summary>One optimiser step (the <c>step</c> live event).</summary>
public sealed record RunStep(Guid RunId, int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double SamplesPerSecond);

/// <summary>A job's state change (the <c>status</c> live event on <c>run:{id}</c>, <c>job:{id}</c> and <c>jobs</c>).</summary>
public sealed record JobStatus(Guid JobId, string Kind, JobState State, double Progress, string? Error);

/// <summary>A running job's progress in [0, 1] (the <c>progress</c> live event on <c>job:{id}</c>).</summary>
public sealed record JobProgress(Guid JobId, double Progress);
