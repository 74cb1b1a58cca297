namespace Portal.Server.Approvals;

/// <summary>
/// How a model's protected aliases may move. Without a stored policy a model gets the default: only
/// <c>production</c> is protected, one approval by an Approver (or Admin), no gates.
/// </summary>
public sealed class PromotionPolicy
{
    public Guid ModelId { get; set; }
    public string[] ProtectedAliases { get; set; } = ["production"];
    public int RequiredApprovals { get; set; } = 1;
    public string ApproverRole { get; set; } = Auth.PortalRoles.Approver;

    /// <summary>Gate: the candidate's test accuracy must be at least this (0..1).</summary>
    public double? MinAccuracy { get; set; }

    /// <summary>Gate: accuracy may fall at most this much (in accuracy points, 0..1) below the alias's current holder.</summary>
    public double? MaxAccuracyDrop { get; set; }

    /// <summary>Gate: ONNX Runtime p95 latency at batch 1 must be at most this.</summary>
    public double? MaxP95LatencyMs { get; set; }

    /// <summary>How long a request stays pending before it expires.</summary>
    public int RequestLifetimeHours { get; set; } = 72;

    public string? UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
}
