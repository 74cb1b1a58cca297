using Google.Protobuf;
using Portal.Engine.Onnx.Protobuf;

namespace Portal.Engine.Onnx;

/// <summary>Reads what any ONNX file declares, Portal's or not, and refuses bytes that are not a whole ONNX model.</summary>
public static class OnnxInspector
{
    public static OnnxModelInfo ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"Cannot read ONNX file '{path}': {e.Message}", e);
        }
        return Describe(Parse(bytes, $"File '{path}'"), bytes.Length);
    }

    public static OnnxModelInfo Read(ReadOnlySpan<byte> bytes) => Describe(Parse(bytes, "The ONNX data"), bytes.Length);

    /// <summary>Parses and checks the model's envelope; <paramref name="source"/> names the file or buffer in messages.</summary>
    internal static ModelProto Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.IsEmpty)
            throw new OnnxFormatException($"{source} is empty (0 bytes), not an ONNX model.");
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e) when (e.Message.Contains("ended unexpectedly", StringComparison.Ordinal))
        {
            throw new OnnxFormatException($"{source} is truncated: {bytes.Length} bytes end inside a field of the model ({e.Message})", e);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{source} ({bytes.Length} bytes) is not an ONNX model: it is not a valid ONNX protobuf message ({e.Message})", e);
        }
        if (!model.HasIrVersion || model.IrVersion <= 0)
            throw new OnnxFormatException($"{source} ({bytes.Length} bytes) is not an ONNX model: it declares no IR version.");
        if (model.Graph is null)
            throw new OnnxFormatException($"{source} ({bytes.Length} bytes) is not an ONNX model: it has no graph.");
        if (model.OpsetImport.Count == 0)
            throw new OnnxFormatException($"{source} ({bytes.Length} bytes) declares no operator set; the file is incomplete or truncated.");
        if (model.Graph.Output.Count == 0)
            throw new OnnxFormatException($"{source} ({bytes.Length} bytes) has a graph without outputs; the file is incomplete or truncated.");
        return model;
    }

    internal static OnnxModelInfo Describe(ModelProto model, long size)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport) opsets[o.Domain] = o.Version;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in model.MetadataProps) metadata[p.Key] = p.Value;
        return new OnnxModelInfo(
            model.IrVersion,
            opsets,
            model.ProducerName,
            model.ProducerVersion,
            graph.Name,
            // Before IR 4 initializers were also listed as inputs; they are weights, not something a caller sends.
            [.. graph.Input.Where(i => !initializers.Contains(i.Name)).Select(ToTensorInfo)],
            [.. graph.Output.Select(ToTensorInfo)],
            metadata,
            graph.Node.Count,
            graph.Initializer.Count,
            [.. graph.Node.Select(n => string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}").Distinct().Order(StringComparer.Ordinal)],
            size);
    }

    private static OnnxTensorInfo ToTensorInfo(ValueInfoProto value)
    {
        if (value.Type?.TensorType is not { } tensor)
            return new OnnxTensorInfo(value.Name, OnnxElementType.Undefined, []);
        var dims = tensor.Shape?.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => OnnxDimension.Fixed(d.DimValue),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => OnnxDimension.Symbolic(d.DimParam),
            _ => OnnxDimension.Unknown,
        }).ToList() ?? [];
        return new OnnxTensorInfo(value.Name, (OnnxElementType)tensor.ElemType, dims, RankKnown: tensor.Shape is not null);
    }
}
