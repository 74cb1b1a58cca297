namespace Portal.Contracts.Approvals;

/// <summary>POST /api/v1/promotions: move <paramref name="Alias"/> of model <paramref name="Model"/> to version number <paramref name="Version"/>.</summary>
public sealed record PromotionDraft(string Model, string Alias, int Version, string? Comment);

/// <summary>POST …/approve; <see cref="OverrideReason"/> (an Admin's) lets the approval pass failed gates.</summary>
public sealed record ApprovalInput(string? Comment, string? OverrideReason);

public sealed record DenialInput(string? Comment);

public sealed record CancellationInput(string? Comment);

public sealed record RollbackInput(string? Comment);

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
