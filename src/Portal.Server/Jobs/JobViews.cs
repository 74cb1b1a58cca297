using System.Text.Json;
using Portal.Contracts.Jobs;

namespace Portal.Server.Jobs;

/// <summary>A job as the API and the live feed show it (the record is Portal.Contracts').</summary>
public static class JobViews
{
    public static JobView View(JobRecord j) => new(
        j.Id, j.Kind, j.State, j.Progress, j.Error, JsonSerializer.Deserialize<JsonElement>(j.Payload), j.Attempts,
        j.CreatedBy, j.CreatedAt, j.StartedAt, j.FinishedAt, j.ClaimedBy);
}
