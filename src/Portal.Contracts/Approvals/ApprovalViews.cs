namespace Portal.Contracts.Approvals;

/// <summary>
/// One gate as evaluated when a promotion request was made. <see cref="Measured"/> is null when the evidence is
/// missing: then <see cref="NotMeasured"/> is true, the gate has failed (a missing measurement is never a pass), and
/// <see cref="Detail"/> starts "Not measured:" and says which evidence and, when known, why it was not measured.
/// Accuracy figures are fractions (0..1), an accuracy drop is in the same units (0.02 = two percentage points),
/// latency is in milliseconds.
/// </summary>
public sealed record GateResult(string Name, string Unit, double Threshold, double? Measured, bool Passed, string Detail, bool NotMeasured = false);

public sealed record DecisionView(string DecidedBy, string Kind, string Comment, bool OverrodeGates, DateTimeOffset DecidedAt);

/// <summary>
/// A promotion request as shown to clients. <see cref="CurrentVersion"/> is the alias's holder when the request was
/// made (what the gates compared against); <see cref="RequiredApprovals"/> is the model's policy now.
/// </summary>
public sealed record PromotionView(
    Guid Id,
    string Model,
    string Alias,
    int Version,
    int? CurrentVersion,
    string State,
    string RequestedBy,
    string? Comment,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? ClosedAt,
    bool GatesPassed,
    IReadOnlyList<GateResult> Gates,
    int Approvals,
    int RequiredApprovals,
    IReadOnlyList<DecisionView> Decisions);

/// <summary>The alias after a rollback: <see cref="Version"/> holds it again, <see cref="RolledBackFrom"/> held it before.</summary>
public sealed record RollbackView(string Model, string Alias, int Version, int RolledBackFrom, string Comment);

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
