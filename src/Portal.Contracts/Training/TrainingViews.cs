using System.Text.Json;
using Portal.Contracts.Jobs;

namespace Portal.Contracts.Training;

/// <summary>
/// A training run with the state of its job. <see cref="OnnxArtifact"/> is set once an export succeeded;
/// <see cref="ExportJobId"/> is the latest export's job. <see cref="FineTunedFrom"/> is the version the run started
/// from, or null for a run trained from scratch.
/// </summary>
public sealed record RunView(
    Guid Id, string Name, Guid DatasetId, Guid? ValidationDatasetId, JsonElement Spec, JsonElement Options,
    Guid JobId, JobState State, double Progress, string? Error, int Attempts,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    string? WeightsArtifact, string? OnnxArtifact, Guid? ExportJobId, int? BestEpoch, string? StopReason,
    FineTunedFrom? FineTunedFrom = null);

/// <summary>The lineage of a fine-tuned run: it started from version <see cref="Version"/> of <see cref="Model"/>, training all of it or only its head.</summary>
public sealed record FineTunedFrom(Guid VersionId, string Model, int Version, bool FreezeBody)
{
    public override string ToString() => $"fine-tuned from {Model} v{Version} ({(FreezeBody ? "head only, body frozen" : "all layers")})";
}

/// <summary>One stored epoch of a run's curve: the <c>epoch</c> event on <c>run:{id}</c> and an item of GET /runs/{id}/metrics.</summary>
public sealed record RunEpochView(
    int Epoch, double TrainLoss, double? TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double LearningRate, double Seconds, double SamplesPerSecond);

/// <summary>One optimiser step of a run's stored curve: the step number, its epoch, the batch loss and the learning rate.</summary>
public sealed record RunStepPoint(long Step, int Epoch, double Loss, double LearningRate);
