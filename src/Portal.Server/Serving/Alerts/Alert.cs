namespace Portal.Server.Serving.Alerts;

/// <summary>
/// One firing of a rule for one served version: open while <see cref="ResolvedAt"/> is null. The rule's terms are
/// copied, so the history still reads right after the rule changes or is deleted.
/// </summary>
public sealed class Alert
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid RuleId { get; set; }
    public int RuleRevision { get; set; }
    public required string RuleName { get; set; }
    public required string Metric { get; set; }
    public required string Comparison { get; set; }
    public double Threshold { get; set; }
    public int WindowSeconds { get; set; }

    public required string Model { get; set; }
    public required string Alias { get; set; }
    public Guid VersionId { get; set; }
    public int VersionNumber { get; set; }

    /// <summary>The metric's value when the alert fired.</summary>
    public double Value { get; set; }

    /// <summary>Since when the condition had held without a break when the alert fired.</summary>
    public DateTimeOffset ConditionSince { get; set; }

    public DateTimeOffset FiredAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public double? ResolvedValue { get; set; }
    public string? ResolvedReason { get; set; }
}
