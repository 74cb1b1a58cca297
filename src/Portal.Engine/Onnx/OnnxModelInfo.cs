using System.Text.Json;

namespace Portal.Engine.Onnx;

/// <summary>What an ONNX file declares: format versions, producer, graph inputs and outputs, metadata and size.</summary>
public sealed record OnnxModelInfo(
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string ProducerName,
    string ProducerVersion,
    string GraphName,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs,
    IReadOnlyDictionary<string, string> Metadata,
    int NodeCount,
    int InitializerCount,
    IReadOnlyList<string> OperatorTypes,
    long SizeBytes)
{
    /// <summary>The default-domain opset (<c>ai.onnx</c>), or 0 when the file imports none.</summary>
    public long Opset => Opsets.TryGetValue("", out var v) ? v : Opsets.TryGetValue("ai.onnx", out v) ? v : 0;

    /// <summary>Class names written by Portal's exporter, or null for files without them.</summary>
    public IReadOnlyList<string>? ClassLabels
    {
        get
        {
            if (!Metadata.TryGetValue(OnnxMetadataKeys.ClassLabels, out var json)) return null;
            try
            {
                return JsonSerializer.Deserialize<string[]>(json);
            }
            catch (JsonException e)
            {
                throw new OnnxFormatException($"Metadata '{OnnxMetadataKeys.ClassLabels}' is not a JSON array of strings: {e.Message}", e);
            }
        }
    }

    public string? LineageId => Metadata.GetValueOrDefault(OnnxMetadataKeys.LineageId);
}
