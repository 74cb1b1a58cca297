namespace Portal.Server.Evaluations;

/// <summary>
/// A version measured again on a dataset of the user's choosing, by an evaluation job: the request and the job
/// are saved together; the figures arrive when the job succeeds. The version's registration evidence is untouched.
/// </summary>
public sealed class VersionEvaluation
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid VersionId { get; set; }
    public Guid DatasetId { get; set; }
    public Guid JobId { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public double? Accuracy { get; set; }

    /// <summary>The engine's classification report (confusion matrix, per-class precision/recall/F1) as JSON.</summary>
    public string? ReportJson { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>What an evaluation job runs.</summary>
public sealed record EvaluationPayload(Guid EvaluationId);
