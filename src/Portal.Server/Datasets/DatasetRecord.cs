using Portal.Contracts.Datasets;

namespace Portal.Server.Datasets;

/// <summary>
/// A registered dataset. Its files live in the artifact store (or, for built-ins, at their package path);
/// shape, count and classes were read by the engine's loaders when it was imported.
/// </summary>
public sealed class DatasetRecord
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public DatasetFormat Format { get; set; }
    public required int[] SampleShape { get; set; }
    public int Count { get; set; }
    public required string[] ClassNames { get; set; }

    /// <summary>IDX images, or the CSV file.</summary>
    public string? PrimaryArtifact { get; set; }

    /// <summary>IDX labels.</summary>
    public string? LabelsArtifact { get; set; }

    /// <summary>For built-ins: the folder and split the data is read from (e.g. "/usr/share/datasets/fashion-mnist|test").</summary>
    public string? Source { get; set; }

    /// <summary>CSV options (label column, header, skip lines…) as JSON.</summary>
    public string? CsvOptions { get; set; }

    /// <summary>
    /// For text datasets: the word tokenizer's JSON artifact, built from this dataset's texts (or, for a test set, from
    /// its training set's), which every run trained on it carries on.
    /// </summary>
    public string? TokenizerArtifact { get; set; }

    /// <summary>For text datasets: the import options (format, columns) and vocabulary limits as JSON.</summary>
    public string? TextOptions { get; set; }

    /// <summary>What the data is, for built-ins (with their class counts).</summary>
    public string? Description { get; set; }

    /// <summary>Whether the samples are texts, which a token spec takes through the tokenizer.</summary>
    public bool IsText => TokenizerArtifact is not null;

    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
