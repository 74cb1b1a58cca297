namespace Portal.Contracts.Alerts;

/// <summary>A rule as stored; <see cref="Revision"/> rises with each change of its terms.</summary>
public sealed record AlertRuleView(
    Guid Id,
    string Name,
    string Metric,
    string Comparison,
    double Threshold,
    int WindowSeconds,
    string? Model,
    string? Alias,
    bool Enabled,
    int Revision,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    string UpdatedBy,
    DateTimeOffset UpdatedAt);

/// <summary>
/// An alert a rule raised for one served version (GET /api/v1/alerts, and the <c>alert</c> live event on
/// <c>deployment:{model}/{alias}</c>): <see cref="State"/> is <c>firing</c> or <c>resolved</c>; the rule's terms are
/// those it fired under.
/// </summary>
public sealed record AlertView(
    Guid Id,
    string State,
    Guid RuleId,
    string RuleName,
    string Metric,
    string Comparison,
    double Threshold,
    int WindowSeconds,
    string Model,
    string Alias,
    Guid VersionId,
    int VersionNumber,
    double Value,
    DateTimeOffset ConditionSince,
    DateTimeOffset FiredAt,
    DateTimeOffset? ResolvedAt,
    double? ResolvedValue,
    string? ResolvedReason)
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";

    /// <summary>The list filter for firing and resolved alerts alike.</summary>
    public const string All = "all";
}
