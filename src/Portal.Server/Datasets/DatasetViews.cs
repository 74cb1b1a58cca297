using System.Text.Json;
using Portal.Contracts.Datasets;

namespace Portal.Server.Datasets;

/// <summary>Datasets as the API shows them (the record is Portal.Contracts').</summary>
public static class DatasetViews
{
    public static DatasetView View(DatasetRecord d) => new(
        d.Id, d.Name, d.Format, d.SampleShape, d.Count, d.ClassNames, d.PrimaryArtifact, d.LabelsArtifact, d.Source,
        d.CsvOptions is null ? null : JsonSerializer.Deserialize<JsonElement>(d.CsvOptions), d.CreatedBy, d.CreatedAt,
        d.TokenizerArtifact, d.TextOptions is null ? null : JsonSerializer.Deserialize<JsonElement>(d.TextOptions), d.Description);

    public static TextStatisticsView View(Guid id, Portal.Engine.Data.TextDataset d, Portal.Engine.Data.TextStatistics s) => new(
        id, d.Name, s.Texts, new TextLengthsView(s.Lengths.Min, s.Lengths.Median, s.Lengths.P90, s.Lengths.P99, s.Lengths.Max, s.Lengths.Mean),
        [.. s.LengthHistogram.Select(b => new LengthBucketView(b.From, b.To, b.Count))],
        s.Tokens, s.UnknownTokens, s.TokenCoverage, s.DistinctWords, s.WordCoverage, s.VocabularySize,
        [.. d.ClassNames.Select((name, i) => new ClassCountView(name, s.ClassCounts[i]))]);
}
