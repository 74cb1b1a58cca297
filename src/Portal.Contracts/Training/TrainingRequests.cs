using System.Text.Json;

namespace Portal.Contracts.Training;

/// <summary>POST /api/v1/runs.</summary>
/// <param name="Spec">A ready spec's name ("fashion-mlp") or a whole spec object (the engine's model spec JSON).</param>
/// <param name="Options">
/// The hyper-parameters (<c>epochs</c>, <c>batchSize</c>, <c>optimizer</c>, <c>learningRate</c>, <c>seed</c>, …); omitted
/// ones take the engine's defaults, unknown ones are refused.
/// </param>
/// <param name="FromVersion">Fine-tune a registered version instead of starting from random weights; null trains from scratch.</param>
public sealed record CreateRunRequest(string? Name, Guid DatasetId, Guid? ValidationDatasetId, JsonElement Spec, JsonElement? Options, FineTuneRequest? FromVersion = null);

/// <summary>
/// The version a run fine-tunes: <see cref="Model"/>'s version <see cref="Version"/>. The run's spec must be the
/// version's, except the width of its head (the last layer with weights, a linear layer), which gets new seeded
/// weights when the training data's classes are not the version's. <see cref="FreezeBody"/> trains the head only.
/// </summary>
public sealed record FineTuneRequest(string Model, int Version, bool FreezeBody = false);
