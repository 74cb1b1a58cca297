using Portal.Engine.Inference;

namespace Portal.Server.Registry;

public enum VersionSource
{
    /// <summary>Registered from a training run (lineage: <see cref="ModelVersion.RunId"/>).</summary>
    Run,

    /// <summary>Derived from another version (lineage: <see cref="ModelVersion.ParentVersionId"/> and a recipe).</summary>
    Derived,

    /// <summary>An ONNX file imported from outside.</summary>
    Import,
}

/// <summary>
/// A numbered version of a model: lineage, artifacts and evidence. Evidence is measured, never entered:
/// test accuracy from the engine's evaluation, latency and throughput from ONNX Runtime in-process.
/// </summary>
public sealed class ModelVersion
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ModelId { get; set; }
    public int Number { get; set; }
    public VersionSource Source { get; set; }
    public Guid? RunId { get; set; }
    public Guid? ParentVersionId { get; set; }

    /// <summary>How a derived version was made from its parent (compression recipe), as JSON.</summary>
    public string? Recipe { get; set; }

    public string? SpecJson { get; set; }
    public string[] ClassNames { get; set; } = [];
    public string? WeightsArtifact { get; set; }
    public required string OnnxArtifact { get; set; }

    public double? Accuracy { get; set; }

    /// <summary>The evaluation report (per-class figures, confusion matrix) as JSON.</summary>
    public string? EvaluationJson { get; set; }

    public Guid? EvaluationDatasetId { get; set; }

    /// <summary>For a compressed version, the engine's report: parent and child measured side by side, as JSON.</summary>
    public string? CompressionJson { get; set; }
    public double? LatencyP50Ms { get; set; }
    public double? LatencyP95Ms { get; set; }
    public double? ThroughputBatch64 { get; set; }

    /// <summary>The inputs and outputs the ONNX file declares (a <c>SignatureView</c>), as JSON; null for versions recorded before it was kept.</summary>
    public string? SignatureJson { get; set; }

    /// <summary>For an imported version, how the evidence was taken and which figures were not measured (a <c>MeasurementReport</c>), as JSON.</summary>
    public string? MeasurementJson { get; set; }

    /// <summary>
    /// Whether a row's answer is independent of the other rows in its batch (checked at registration, or known from
    /// a per-sample spec); null for versions recorded before it was kept (see <see cref="VersionIndependence"/>).
    /// </summary>
    public BatchIndependenceOutcome? BatchCheck { get; set; }

    /// <summary>Why <see cref="BatchCheck"/> is what it is: the largest difference and its row when it failed.</summary>
    public string? BatchCheckReason { get; set; }

    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
