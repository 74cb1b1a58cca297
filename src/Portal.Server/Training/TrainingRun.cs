namespace Portal.Server.Training;

/// <summary>A training run: what was asked (spec, options, dataset), the job that runs it, and what came out.</summary>
public sealed class TrainingRun
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public Guid DatasetId { get; set; }
    public Guid? ValidationDatasetId { get; set; }
    public required string SpecJson { get; set; }
    public required string OptionsJson { get; set; }
    public Guid JobId { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>Safetensors of the kept weights, once the run succeeded.</summary>
    public string? WeightsArtifact { get; set; }

    /// <summary>The input standardisation the model was trained with, as JSON.</summary>
    public string? StandardizationJson { get; set; }

    /// <summary>The run's weights as ONNX, once an export job made them.</summary>
    public string? OnnxArtifact { get; set; }

    /// <summary>The latest export job of the run, if any.</summary>
    public Guid? ExportJobId { get; set; }

    /// <summary>The registered version whose weights the run starts from (fine-tuning), or null when it starts from scratch.</summary>
    public Guid? FineTunedFromVersionId { get; set; }

    /// <summary>When fine-tuning: only the head trains, the rest keeps the parent's weights and statistics.</summary>
    public bool FreezeBody { get; set; }

    public int? BestEpoch { get; set; }
    public string? StopReason { get; set; }
}
