using Microsoft.EntityFrameworkCore;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// A version as the engine's trained model (its spec, its safetensors weights and the standardisation stored beside
/// them), for what starts from a version: compression and fine-tuning.
/// </summary>
internal static class VersionModel
{
    /// <summary>Null when <paramref name="act"/> ("compression", "fine-tuning") can start from the version; otherwise why not.</summary>
    public static string? Unfit(ModelVersion version, string modelName, string act) => version switch
    {
        { SpecJson: null } or { WeightsArtifact: null } => version.Source == VersionSource.Import
            ? $"Version {version.Number} of '{modelName}' is an imported ONNX file without a spec and weights; {act} starts from a version Portal trained or derived."
            : $"Version {version.Number} of '{modelName}' has no float weights (an int8 version is final); start {act} from its parent instead.",
        _ => null,
    };

    /// <summary>
    /// The version's model. Weights written without the standardisation in their metadata take the one recorded with
    /// the run that trained them.
    /// </summary>
    public static async Task<TrainedModel> Load(PortalDbContext db, ArtifactStore artifacts, ModelVersion version, string modelName, string act, CancellationToken ct)
    {
        if (Unfit(version, modelName, act) is { } reason) throw Refusal.Invalid(reason);
        var file = SafetensorsReader.Read(await artifacts.ReadVerified(version.WeightsArtifact!, ct));
        var json = file.Metadata.TryGetValue(OnnxMetadataKeys.Standardization, out var stored) ? stored
            : await db.Runs.AsNoTracking().Where(r => r.Id == version.RunId).Select(r => r.StandardizationJson).FirstOrDefaultAsync(ct);
        var standardization = Training.RunModelFiles.Standardization(json);
        return new TrainedModel(ModelSpec.FromJson(version.SpecJson!), file.Weights, standardization, version.ClassNames);
    }

    /// <summary>The tokenizer a text version was trained with, from its weights' metadata; null for a version on features.</summary>
    public static async Task<WordTokenizer?> Tokenizer(ArtifactStore artifacts, ModelVersion version, CancellationToken ct)
    {
        if (version.WeightsArtifact is null) return null;
        var file = SafetensorsReader.Read(await artifacts.ReadVerified(version.WeightsArtifact, ct));
        return file.Metadata.TryGetValue(OnnxMetadataKeys.Tokenizer, out var json) ? WordTokenizer.FromJson(json) : null;
    }
}
