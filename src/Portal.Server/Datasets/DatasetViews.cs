using System.Text.Json;
using Portal.Contracts.Datasets;

namespace Portal.Server.Datasets;

/// <summary>Datasets as the API shows them (the record is Portal.Contracts').</summary>
public static class DatasetViews
{
    public static DatasetView View(DatasetRecord d) => new(
        d.Id, d.Name, d.Format, d.SampleShape, d.Count, d.ClassNames, d.PrimaryArtifact, d.LabelsArtifact, d.Source,
        d.CsvOptions is null ? null : JsonSerializer.Deserialize<JsonElement>(d.CsvOptions), d.CreatedBy, d.CreatedAt);
}
