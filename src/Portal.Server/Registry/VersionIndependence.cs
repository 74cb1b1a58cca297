using Portal.Engine.Inference;
using Portal.Engine.Models;

namespace Portal.Server.Registry;

/// <summary>
/// A version's batch independence as recorded at registration. A version recorded before the check existed has no
/// record: one Portal trained from a spec counts as independent when every layer of that spec is per-sample (the same
/// rule registration applies); anything else (imported, compressed, or an unknown layer) is not checked, so not
/// batched unless an owner forces it.
/// </summary>
internal static class VersionIndependence
{
    public static BatchIndependence Of(ModelVersion version)
    {
        if (version.BatchCheck is { } outcome) return new BatchIndependence(outcome, version.BatchCheckReason ?? "");
        if (version.Source == VersionSource.Run && version.SpecJson is { } json && PerSampleSpec.Of(ModelSpec.FromJson(json)) is { } perSample)
            return perSample;
        return BatchIndependence.NotChecked($"version {version.Number} ({version.Source.ToString().ToLowerInvariant()}) was registered before the batch independence check was run");
    }
}
