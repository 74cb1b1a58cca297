using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Contracts.Datasets;

[JsonConverter(typeof(JsonStringEnumConverter<DatasetFormat>))]
public enum DatasetFormat
{
    /// <summary>Images and labels as two IDX files (raw or gzip).</summary>
    Idx,
    Csv,

    /// <summary>Read in place from a Debian package (Fashion-MNIST).</summary>
    Builtin,
}

/// <summary>A dataset: its shape, its classes in label order (label i is the i-th name), its files and, for a CSV, the options its import used.</summary>
public sealed record DatasetView(
    Guid Id, string Name, DatasetFormat Format, int[] SampleShape, int Count, string[] ClassNames,
    string? PrimaryArtifact, string? LabelsArtifact, string? Source, JsonElement? CsvOptions, string CreatedBy, DateTimeOffset CreatedAt);
