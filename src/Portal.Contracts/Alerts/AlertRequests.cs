namespace Portal.Contracts.Alerts;

/// <summary>
/// The terms of a rule as sent to POST and PUT /api/v1/alert-rules: fire when <see cref="Metric"/> (one of
/// <see cref="AlertMetrics"/>) of a served version is <see cref="Comparison"/> (<c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c> or
/// <c>&lt;=</c>) <see cref="Threshold"/> for <see cref="WindowSeconds"/> without a break. <see cref="Comparison"/> defaults
/// to <c>&gt;</c>, <see cref="WindowSeconds"/> to 0 (fire on the first value that meets the condition),
/// <see cref="Enabled"/> to true; no <see cref="Model"/> means every deployment, a model without <see cref="Alias"/>
/// every alias of that model.
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
