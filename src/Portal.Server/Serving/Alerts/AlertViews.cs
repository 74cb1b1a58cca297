namespace Portal.Server.Serving.Alerts;

/// <summary>
/// The terms of a rule as sent to POST and PUT /api/v1/alert-rules. <see cref="Comparison"/> defaults to <c>&gt;</c>,
/// <see cref="WindowSeconds"/> to 0 (fire on the first value that meets the condition), <see cref="Enabled"/> to true;
/// no <see cref="Model"/> means every deployment, a model without <see cref="Alias"/> every alias of that model.
/// </summary>
public sealed record AlertRuleDraft(
    string? Name,
    string? Metric,
    string? Comparison,
    double? Threshold,
    int? WindowSeconds,
    string? Model,
    string? Alias,
    bool? Enabled);

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
    DateTimeOffset UpdatedAt)
{
    public static AlertRuleView Of(AlertRule r) => new(
        r.Id, r.Name, r.Metric, r.Comparison, r.Threshold, r.WindowSeconds, r.Model, r.Alias, r.Enabled, r.Revision, r.CreatedBy, r.CreatedAt, r.UpdatedBy, r.UpdatedAt);
}

/// <summary>An alert as listed by /api/v1/alerts and published as event type <c>alert</c>: <see cref="State"/> is <c>firing</c> or <c>resolved</c>.</summary>
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

    public static AlertView Of(Alert a) => new(
        a.Id, a.ResolvedAt is null ? Firing : Resolved, a.RuleId, a.RuleName, a.Metric, a.Comparison, a.Threshold, a.WindowSeconds,
        a.Model, a.Alias, a.VersionId, a.VersionNumber, a.Value, a.ConditionSince, a.FiredAt, a.ResolvedAt, a.ResolvedValue, a.ResolvedReason);
}
