namespace Portal.Client.Models;

/// <summary>
/// The terms of an alert rule (POST and PUT /api/v1/alert-rules): fire when <see cref="Metric"/> of a served version
/// is <see cref="Comparison"/> <see cref="Threshold"/> for <see cref="WindowSeconds"/> without a break. Null settings
/// take the server's defaults: comparison <c>&gt;</c>, window 0 (the first value that meets the condition), enabled;
/// no <see cref="Model"/> watches every deployment, a model without <see cref="Alias"/> every alias of that model.
/// </summary>
/// <param name="Metric">One of <see cref="AlertMetrics"/>.</param>
public sealed record AlertRuleDraft(string Name, string Metric, double Threshold)
{
    /// <summary><c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c> or <c>&lt;=</c>.</summary>
    public string? Comparison { get; init; }

    public int? WindowSeconds { get; init; }

    public string? Model { get; init; }

    public string? Alias { get; init; }

    public bool? Enabled { get; init; }
}

/// <summary>A rule as stored; <see cref="Revision"/> rises with each change of its terms.</summary>
public sealed record AlertRule(
    Guid Id, string Name, string Metric, string Comparison, double Threshold, int WindowSeconds, string? Model, string? Alias, bool Enabled,
    int Revision, string CreatedBy, DateTimeOffset CreatedAt, string UpdatedBy, DateTimeOffset UpdatedAt);

/// <summary>
/// An alert a rule raised for one served version (GET /api/v1/alerts, and the <c>alert</c> live event on
/// <c>deployment:{model}/{alias}</c>): <see cref="State"/> is <c>firing</c> or <c>resolved</c>; the rule's terms are
/// those it fired under.
/// </summary>
public sealed record Alert(
    Guid Id, string State, Guid RuleId, string RuleName, string Metric, string Comparison, double Threshold, int WindowSeconds,
    string Model, string Alias, Guid VersionId, int VersionNumber, double Value, DateTimeOffset ConditionSince, DateTimeOffset FiredAt,
    DateTimeOffset? ResolvedAt, double? ResolvedValue, string? ResolvedReason)
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";

    /// <summary>The list filter for firing and resolved alerts alike.</summary>
    public const string All = "all";
}

/// <summary>The metrics a rule can watch, each per served version.</summary>
public static class AlertMetrics
{
    public const string P50Ms = "p50_ms";
    public const string P95Ms = "p95_ms";
    public const string P99Ms = "p99_ms";

    /// <summary>A fraction in [0, 1] (0.01 = 1 %).</summary>
    public const string ErrorRate = "error_rate";
    public const string RequestsPerSecond = "requests_per_second";

    /// <summary>Population stability index of the inputs against the training data.</summary>
    public const string PsiInput = "psi_input";

    /// <summary>Population stability index of the predicted classes.</summary>
    public const string PsiClass = "psi_class";
}
