namespace Portal.Server.Approvals;

/// <summary>
/// A model's promotion policy as an Admin sets it (PUT replaces the whole policy). An omitted field takes its
/// default: <c>production</c> protected, 1 approval, role Approver, 72-hour requests; an omitted gate is not applied.
/// Accuracy and drop are fractions (0..1; a drop of 0.02 is two percentage points); latency is milliseconds at batch 1.
/// </summary>
public sealed record PolicySettings(
    string[]? ProtectedAliases,
    int? RequiredApprovals,
    string? ApproverRole,
    double? MinAccuracy,
    double? MaxAccuracyDrop,
    double? MaxP95LatencyMs,
    int? RequestLifetimeHours);

public sealed record PolicyView(
    string Model,
    IReadOnlyList<string> ProtectedAliases,
    int RequiredApprovals,
    string ApproverRole,
    double? MinAccuracy,
    double? MaxAccuracyDrop,
    double? MaxP95LatencyMs,
    int RequestLifetimeHours,
    bool IsDefault,
    string? UpdatedBy,
    DateTimeOffset? UpdatedAt);
