using System.Text.Json;
using Portal.Contracts.Compression;
using Portal.Server.Jobs;

namespace Portal.Server.Compression;

/// <summary>Compressions as the API shows them (the records are Portal.Contracts').</summary>
public static class CompressionViews
{
    public static CompressionView View(CompressionRecord c, string model, int parent, JobRecord job, int? result) => new(
        c.Id, model, parent, c.Method, JsonSerializer.Deserialize<JsonElement>(c.RecipeJson), c.TrainDatasetId, c.TestDatasetId,
        job.Id, job.State, job.Progress, job.Error, result, c.CreatedBy, c.CreatedAt);
}
