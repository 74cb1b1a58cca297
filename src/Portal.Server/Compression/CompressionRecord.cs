namespace Portal.Server.Compression;

/// <summary>
/// A request to compress a version: the recipe, the data it uses, the job that runs it, and (once the job
/// succeeded) the version it produced. The request and its job are saved together.
/// </summary>
public sealed class CompressionRecord
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ModelId { get; set; }
    public Guid ParentVersionId { get; set; }
    public required string Method { get; set; }

    /// <summary>The engine's recipe as JSON (with its <c>method</c> discriminator).</summary>
    public required string RecipeJson { get; set; }

    /// <summary>Fine-tuning, distillation and calibration data.</summary>
    public Guid TrainDatasetId { get; set; }

    /// <summary>Where parent and child accuracy are measured.</summary>
    public Guid TestDatasetId { get; set; }

    public Guid JobId { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? ResultVersionId { get; set; }
}

/// <summary>What a compression job runs.</summary>
public sealed record CompressionPayload(Guid CompressionId);
