namespace Portal.Server.Approvals;

public enum PromotionState
{
    Pending,
    Approved,
    Denied,
    Cancelled,
    Expired,
}

/// <summary>A request to move a protected alias to a version, with its gate results as evaluated when it was made.</summary>
public sealed class PromotionRequest
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ModelId { get; set; }
    public required string Alias { get; set; }
    public Guid VersionId { get; set; }

    /// <summary>The alias's holder when the request was made (the gates compare against it).</summary>
    public Guid? CurrentVersionId { get; set; }

    public PromotionState State { get; set; } = PromotionState.Pending;
    public required string RequestedBy { get; set; }
    public string? Comment { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Each gate's name, threshold, measured value and outcome, as JSON.</summary>
    public required string GateResultsJson { get; set; }

    public bool GatesPassed { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}
