namespace Portal.Server.Serving.Drift;

/// <summary>
/// The drift of one deployment's served versions over the live window, published about every second as event type
/// <c>drift</c> on <see cref="DeploymentTopics.Deployment"/>.
/// </summary>
public sealed record DeploymentDrift(string Model, string Alias, DateTimeOffset Time, double WindowSeconds, IReadOnlyList<VersionDrift> Versions);

/// <summary>
/// PSI of one served version's live window against its reference. <see cref="PsiInput"/> is the mean of the
/// per-feature PSIs (comparable between a 4-column CSV model and a 784-pixel one), <see cref="PsiInputMax"/> the largest
/// and <see cref="MostShiftedFeature"/> its index (for a text version, of its token length and unknown-token share);
/// <see cref="PsiClass"/> compares the predicted classes. The figures
/// are null while <see cref="Status"/> is not <c>ok</c>: <c>preparing</c> (the reference is being computed),
/// <c>collecting</c> (fewer than the minimum samples in the window) or <c>unavailable</c> (see <see cref="Detail"/>).
/// </summary>
public sealed record VersionDrift(
    Guid VersionId,
    int VersionNumber,
    string Status,
    string? Detail,
    long Samples,
    double? PsiInput,
    double? PsiInputMax,
    int? MostShiftedFeature,
    double? PsiClass)
{
    /// <summary>What <see cref="MostShiftedFeature"/> is when the features are not the model's inputs: a text version's "token length" or "unknown-token share".</summary>
    public string? MostShiftedFeatureName { get; init; }
}

public static class DriftStatus
{
    public const string Ok = "ok";
    public const string Preparing = "preparing";
    public const string Collecting = "collecting";
    public const string Unavailable = "unavailable";
}
