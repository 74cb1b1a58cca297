namespace Portal.Server.Serving.Drift;

/// <summary>The reference of a served version, or why it has none.</summary>
public sealed record ReferenceOutcome(int VersionNumber, DriftReference? Reference, string? Unavailable)
{
    public static ReferenceOutcome Ready(int versionNumber, DriftReference reference) => new(versionNumber, reference, null);

    public static ReferenceOutcome Without(int versionNumber, string reason) => new(versionNumber, null, reason);
}

/// <summary>Gives each served version its reference distribution, computing it at most once.</summary>
public interface IDriftReferenceSource
{
    Task<ReferenceOutcome> For(Guid versionId);
}
