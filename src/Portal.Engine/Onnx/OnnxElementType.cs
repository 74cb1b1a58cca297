namespace Portal.Engine.Onnx;

/// <summary>Element type of a tensor, numbered as ONNX's <c>TensorProto.DataType</c>.</summary>
public enum OnnxElementType
{
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

public static class OnnxElementTypeNames
{
    /// <summary>The lower-case name used in messages and reports (<c>float32</c>, <c>int64</c>, …).</summary>
    public static string Name(this OnnxElementType type) => type switch
    {
        OnnxElementType.Undefined => "undefined",
        OnnxElementType.Float32 => "float32",
        OnnxElementType.UInt8 => "uint8",
        OnnxElementType.Int8 => "int8",
        OnnxElementType.UInt16 => "uint16",
        OnnxElementType.Int16 => "int16",
        OnnxElementType.Int32 => "int32",
        OnnxElementType.Int64 => "int64",
        OnnxElementType.String => "string",
        OnnxElementType.Bool => "bool",
        OnnxElementType.Float16 => "float16",
        OnnxElementType.Float64 => "float64",
        OnnxElementType.UInt32 => "uint32",
        OnnxElementType.UInt64 => "uint64",
        OnnxElementType.Complex64 => "complex64",
        OnnxElementType.Complex128 => "complex128",
        OnnxElementType.BFloat16 => "bfloat16",
        _ => $"type {(int)type}",
    };
}
