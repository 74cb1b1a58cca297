using System.Text.Json;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;

namespace Portal.Server.Training;

/// <summary>
/// A trained model's stored parts read back and written as ONNX the one way Portal does it: registration, export
/// jobs and compression all go through here, so a run's ONNX file is the same wherever it is made.
/// </summary>
internal static class RunModelFiles
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>The standardisation a run (or a weights file's metadata) stored as JSON; null when it stored none.</summary>
    public static FeatureStandardization? Standardization(string? json) => json is null ? null
        : JsonSerializer.Deserialize<FeatureStandardization>(json, s_json) ?? throw new InvalidDataException("The stored standardisation JSON is null.");

    /// <summary>ONNX with the standardisation folded in, the class labels, <paramref name="lineageId"/> and a token model's tokenizer in its metadata.</summary>
    public static byte[] Onnx(ModelSpec spec, ModelWeights weights, FeatureStandardization? standardization, IReadOnlyList<string> classNames, Guid lineageId, string? tokenizer = null) =>
        OnnxExporter.Export(spec, weights, new OnnxExportOptions
        {
            Standardization = standardization,
            ClassLabels = classNames.Count > 0 ? classNames : null,
            LineageId = lineageId.ToString(),
            Tokenizer = tokenizer,
        });
}
