using System.Text.Json;
using Portal.Contracts.Jobs;

namespace Portal.Contracts.Compression;

/// <summary>
/// A compression of a version (GET /api/v1/compressions/{id}): its recipe as the server recorded it, the job that
/// runs it, and <see cref="ResultVersion"/>, the new version of <see cref="Model"/>, once the job succeeded.
/// </summary>
public sealed record CompressionView(
    Guid Id, string Model, int ParentVersion, string Method, JsonElement Recipe, Guid TrainDatasetId, Guid TestDatasetId,
    Guid JobId, JobState State, double Progress, string? Error, int? ResultVersion, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A stage of a compression began (the <c>stage</c> live event on <c>compression:{id}</c>): pruning, fine-tuning, calibrating, measuring, ….</summary>
public sealed record CompressionStageEvent(Guid CompressionId, string Stage, string? Detail);

/// <summary>One optimiser step of a compression's fine-tuning or distillation (the <c>step</c> live event on <c>compression:{id}</c>).</summary>
public sealed record CompressionStepEvent(Guid CompressionId, int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double SamplesPerSecond);
