using System.Text.Json;

namespace Portal.Contracts.Training;

/// <summary>POST /api/v1/runs.</summary>
/// <param name="Spec">A ready spec's name ("fashion-mlp") or a whole spec object (the engine's model spec JSON).</param>
/// <param name="Options">
/// The hyper-parameters (<c>epochs</c>, <c>batchSize</c>, <c>optimizer</c>, <c>learningRate</c>, <c>seed</c>, …); omitted
/// ones take the engine's defaults, unknown ones are refused.
/// </param>
public sealed record CreateRunRequest(string? Name, Guid DatasetId, Guid? ValidationDatasetId, JsonElement Spec, JsonElement? Options);
