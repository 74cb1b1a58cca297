namespace Portal.Client.Models;

public sealed record GateResult(string Name, string Unit, double Threshold, double? Measured, bool Passed, string Detail);

public sealed record Decision(string DecidedBy, string Kind, string Comment, bool OverrodeGates, DateTimeOffset DecidedAt);

public sealed record Promotion(
    Guid Id, string Model, string Alias, int Version, int? CurrentVersion, string State, string RequestedBy, string? Comment,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ClosedAt, bool GatesPassed, IReadOnlyList<GateResult> Gates,
    int Approvals, int RequiredApprovals, IReadOnlyList<Decision> Decisions);

public sealed record Rollback(string Model, string Alias, int Version, int RolledBackFrom, string Comment);

public sealed record PromotionPolicy(
    string Model, IReadOnlyList<string> ProtectedAliases, int RequiredApprovals, string ApproverRole, double? MinAccuracy,
    double? MaxAccuracyDrop, double? MaxP95LatencyMs, int RequestLifetimeHours, bool IsDefault, string? UpdatedBy, DateTimeOffset? UpdatedAt);

/// <summary>PUT …/policy replaces the whole policy; omitted fields take their defaults, omitted gates are not applied.</summary>
public sealed record PolicySettings(
    string[]? ProtectedAliases = null, int? RequiredApprovals = null, string? ApproverRole = null, double? MinAccuracy = null,
    double? MaxAccuracyDrop = null, double? MaxP95LatencyMs = null, int? RequestLifetimeHours = null);
