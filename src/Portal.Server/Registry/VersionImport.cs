namespace Portal.Server.Registry;

/// <summary>
/// An ONNX file on its way to becoming a version: the upload stored and this row saved with its import job, so the
/// request returns at once; the job measures the file and records the version (<see cref="VersionId"/>). A job that
/// fails or is cancelled removes the upload, unless a version or run holds the same bytes.
/// </summary>
public sealed class VersionImport
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ModelId { get; set; }
    public required string FileName { get; set; }

    /// <summary>The upload's SHA-256 in the artifact store.</summary>
    public required string OnnxArtifact { get; set; }

    public long Size { get; set; }

    /// <summary>What the request asked for (<see cref="ImportSettings"/>), as JSON.</summary>
    public required string SettingsJson { get; set; }

    public Guid JobId { get; set; }

    /// <summary>The version the job recorded; null until it succeeded.</summary>
    public Guid? VersionId { get; set; }

    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>What an import job runs.</summary>
public sealed record ImportPayload(Guid ImportId);

/// <summary>
/// What an import asks for besides the file: the dataset to measure accuracy on, the class names of the outputs,
/// the representative sizes of dynamic dimensions (given, or read from an example input's shapes by input name) and
/// the bound of integer inputs.
/// </summary>
public sealed record ImportSettings(
    Guid? EvaluationDatasetId, string[] ClassNames, Dictionary<string, long> Dims, long IntegerBound, Dictionary<string, long[]>? ExampleShapes = null);
