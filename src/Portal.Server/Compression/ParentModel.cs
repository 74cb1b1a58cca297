using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Registry;

namespace Portal.Server.Compression;

/// <summary>A version as the engine's trained model: its spec, its safetensors weights and the standardisation stored beside them.</summary>
internal static class ParentModel
{
    /// <summary>Null reason when the version can be compressed; otherwise why not.</summary>
    public static string? Unfit(ModelVersion version, string modelName) => version switch
    {
        { SpecJson: null } or { WeightsArtifact: null } => version.Source == VersionSource.Import
            ? $"Version {version.Number} of '{modelName}' is an imported ONNX file without a spec and weights; compression starts from a version Portal trained or derived."
            : $"Version {version.Number} of '{modelName}' has no float weights (an int8 version is final); compress its parent instead.",
        _ => null,
    };

    /// <param name="runStandardization">The run's standardisation JSON, for weights written without it in their metadata.</param>
    public static async Task<TrainedModel> Load(ModelVersion version, string modelName, string? runStandardization, ArtifactStore artifacts, CancellationToken ct)
    {
        if (Unfit(version, modelName) is { } reason) throw Refusal.Invalid(reason);
        var file = SafetensorsReader.Read(await artifacts.ReadVerified(version.WeightsArtifact!, ct));
        var json = file.Metadata.TryGetValue(OnnxMetadataKeys.Standardization, out var stored) ? stored : runStandardization;
        var standardization = Training.RunModelFiles.Standardization(json);
        return new TrainedModel(ModelSpec.FromJson(version.SpecJson!), file.Weights, standardization, version.ClassNames);
    }
}
