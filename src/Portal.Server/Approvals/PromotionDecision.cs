namespace Portal.Server.Approvals;

public enum DecisionKind
{
    Approve,
    Deny,
}

/// <summary>One approver's decision on a request; an approver decides a request at most once.</summary>
public sealed class PromotionDecision
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid RequestId { get; set; }
    public required string DecidedBy { get; set; }
    public DecisionKind Kind { get; set; }
    public required string Comment { get; set; }

    /// <summary>An Admin approved despite failed gates; <see cref="Comment"/> holds the written reason.</summary>
    public bool OverrodeGates { get; set; }

    public DateTimeOffset DecidedAt { get; set; } = DateTimeOffset.UtcNow;
}
