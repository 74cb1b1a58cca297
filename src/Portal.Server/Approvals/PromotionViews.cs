namespace Portal.Server.Approvals;

/// <summary>POST /api/v1/promotions: move <paramref name="Alias"/> of model <paramref name="Model"/> to version number <paramref name="Version"/>.</summary>
public sealed record PromotionDraft(string Model, string Alias, int Version, string? Comment);

public sealed record ApprovalInput(string? Comment, string? OverrideReason);

public sealed record DenialInput(string? Comment);

public sealed record CancellationInput(string? Comment);

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

public sealed record RollbackInput(string? Comment);

/// <summary>The alias after a rollback: <see cref="Version"/> holds it again, <see cref="RolledBackFrom"/> held it before.</summary>
public sealed record RollbackView(string Model, string Alias, int Version, int RolledBackFrom, string Comment);
