using System.Text.Json;

namespace Portal.Contracts.Compression;

/// <summary>POST /api/v1/models/{name}/versions/{n}/compressions.</summary>
/// <param name="Recipe">The engine's recipe: <c>{"method": "prune-unstructured" | "prune-structured" | "quantize-int8" | "distill", …}</c>.</param>
/// <param name="TrainDatasetId">Defaults to the dataset the version's training run used.</param>
/// <param name="TestDatasetId">Defaults to the dataset the version was evaluated on.</param>
public sealed record CompressRequest(JsonElement Recipe, Guid? TrainDatasetId, Guid? TestDatasetId);
