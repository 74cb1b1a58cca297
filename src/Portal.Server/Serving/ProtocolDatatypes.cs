using System.Collections.Frozen;
using Portal.Engine.Onnx;

namespace Portal.Server.Serving;

/// <summary>The Open Inference Protocol's tensor datatypes (<c>FP32</c>, <c>INT64</c>, …) for ONNX element types.</summary>
internal static class ProtocolDatatypes
{
    private static readonly FrozenSet<string> s_known = FrozenSet.ToFrozenSet(["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", "BYTES"]);

    public static bool IsKnown(string datatype) => s_known.Contains(datatype);

    /// <summary>Whether tensors of this type can be an input or output of a served model (complex numbers and non-tensors cannot).</summary>
    public static bool IsServed(OnnxElementType type) => type is not (OnnxElementType.Undefined or OnnxElementType.Complex64 or OnnxElementType.Complex128);

    public static string Of(OnnxElementType type) => type switch
    {
        OnnxElementType.Bool => "BOOL",
        OnnxElementType.UInt8 => "UINT8",
        OnnxElementType.UInt16 => "UINT16",
        OnnxElementType.UInt32 => "UINT32",
        OnnxElementType.UInt64 => "UINT64",
        OnnxElementType.Int8 => "INT8",
        OnnxElementType.Int16 => "INT16",
        OnnxElementType.Int32 => "INT32",
        OnnxElementType.Int64 => "INT64",
        OnnxElementType.Float16 => "FP16",
        OnnxElementType.Float32 => "FP32",
        OnnxElementType.Float64 => "FP64",
        OnnxElementType.BFloat16 => "BF16",
        OnnxElementType.String => "BYTES",
        _ => type.Name().ToUpperInvariant(),
    };

    /// <summary>The declared shape as the protocol writes it: -1 for a dimension that is not fixed.</summary>
    public static long[] Shape(OnnxTensorInfo tensor) => [.. tensor.Dimensions.Select(d => d.Size ?? -1)];
}
