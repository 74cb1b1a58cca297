using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Server.Serving;

/// <summary>
/// A request input's values as a tensor of its declared element type: from FP32 values already read, from the JSON
/// of <c>data</c> (nested or flat; BOOL as true/false, BYTES as strings, every number in range for its type and
/// whole for an integer type), or from binary tensor data (little-endian, BOOL one byte 0 or 1, BYTES each a 4-byte
/// little-endian length and that many UTF-8 bytes). Its datatype and shape have been checked (<see cref="InputCheck"/>).
/// </summary>
internal static class ProtocolTensorReader
{
    // 2^53: above it a double no longer holds every whole number.
    private const double MaxExactWhole = 9007199254740992d;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static InferenceTensor Read(RequestedInput input, OnnxTensorInfo declared)
    {
        var shape = input.Shape!;
        var count = InputCheck.Count(shape);
        var datatype = ProtocolDatatypes.Of(declared.ElementType);
        if (input.HasData && declared.ElementType == OnnxElementType.Float32)
        {
            if (input.Count != count) throw CountMismatch(input, count, input.Count);
            return InferenceTensor.Create(input.Data.AsMemory(0, count), shape);
        }
        if (input.Json is { } json) return FromJson(json, declared.ElementType, datatype, input, count);
        return FromBinary(input.Binary.Span, declared.ElementType, datatype, input, count);
    }

    private static ServingException CountMismatch(RequestedInput input, int count, int given) =>
        InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}, which holds {count} values, but \"data\" has {given}.");

    private static InferenceTensor FromJson(byte[] json, OnnxElementType type, string datatype, RequestedInput input, int count)
    {
        var values = Allocate(type, count);
        if (TensorDataScanner.TryRead(json, type, values)) return Wrap(type, values, input.Shape!);
        // Anything the scanner does not read exactly (another count, a refusal, a long decimal, a BOOL or BYTES
        // value) is read again here, where every refusal names the problem for the datatype.
        var reader = new Utf8JsonReader(json);
        var n = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.EndArray) continue;
                if (n < count) Store(ref reader, type, datatype, values, n, input.Name);
                n++;
            }
        }
        catch (JsonException e)
        {
            throw InferRequest.Invalid($"The data of input '{input.Name}' is not valid JSON ({datatype} values are {Expected(type)}): {e.Message}");
        }
        if (n != count) throw CountMismatch(input, count, n);
        return Wrap(type, values, input.Shape!);
    }

    private static string Expected(OnnxElementType type) => type switch
    {
        OnnxElementType.Bool => "true or false",
        OnnxElementType.String => "strings",
        _ => "numbers",
    };

    private static void Store(ref Utf8JsonReader reader, OnnxElementType type, string datatype, Array values, int n, string name)
    {
        if (type == OnnxElementType.String)
        {
            if (reader.TokenType != JsonTokenType.String) throw Refused(ref reader, n, name, $"not a string (BYTES values are strings)");
            try
            {
                ((string[])values)[n] = reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw InferRequest.Invalid($"Value {n} of input '{name}' is not UTF-8 text (BYTES inputs are served as strings).");
            }
            return;
        }
        if (type == OnnxElementType.Bool)
        {
            ((bool[])values)[n] = reader.TokenType switch
            {
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                _ => throw Refused(ref reader, n, name, "not true or false (BOOL values are JSON booleans)"),
            };
            return;
        }
        if (reader.TokenType != JsonTokenType.Number) throw Refused(ref reader, n, name, $"not a number ({datatype})");
        switch (type)
        {
            case OnnxElementType.Float32:
                ((float[])values)[n] = Finite(float.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture), ref reader, n, name, datatype);
                break;
            case OnnxElementType.Float64:
                ((double[])values)[n] = Finite(reader.GetDouble(), ref reader, n, name, datatype);
                break;
            case OnnxElementType.Float16:
                var half = Finite(Half.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture), ref reader, n, name, datatype);
                ((Float16[])values)[n] = new Float16(BitConverter.HalfToUInt16Bits(half));
                break;
            case OnnxElementType.BFloat16:
                var single = float.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture);
                var brain = (BFloat16)single;
                if (!float.IsFinite((float)brain)) throw Refused(ref reader, n, name, $"out of range for {datatype}");
                ((BFloat16[])values)[n] = brain;
                break;
            case OnnxElementType.UInt64:
                ((ulong[])values)[n] = UnsignedWhole(ref reader, n, name);
                break;
            case OnnxElementType.Int64:
                ((long[])values)[n] = Whole(ref reader, n, name, datatype, long.MinValue, long.MaxValue);
                break;
            case OnnxElementType.Int32:
                ((int[])values)[n] = (int)Whole(ref reader, n, name, datatype, int.MinValue, int.MaxValue);
                break;
            case OnnxElementType.UInt32:
                ((uint[])values)[n] = (uint)Whole(ref reader, n, name, datatype, 0, uint.MaxValue);
                break;
            case OnnxElementType.Int16:
                ((short[])values)[n] = (short)Whole(ref reader, n, name, datatype, short.MinValue, short.MaxValue);
                break;
            case OnnxElementType.UInt16:
                ((ushort[])values)[n] = (ushort)Whole(ref reader, n, name, datatype, 0, ushort.MaxValue);
                break;
            case OnnxElementType.Int8:
                ((sbyte[])values)[n] = (sbyte)Whole(ref reader, n, name, datatype, sbyte.MinValue, sbyte.MaxValue);
                break;
            case OnnxElementType.UInt8:
                ((byte[])values)[n] = (byte)Whole(ref reader, n, name, datatype, 0, byte.MaxValue);
                break;
            default:
                throw InferRequest.Invalid($"Input '{name}' has datatype {datatype}, which this server does not read.");
        }
    }

    /// <summary>An integer in [min, max]; a number with a fraction or an exponent counts when it is whole and exact.</summary>
    private static long Whole(ref Utf8JsonReader reader, int n, string name, string datatype, long min, long max)
    {
        if (reader.TryGetInt64(out var value))
        {
            return value >= min && value <= max ? value : throw Refused(ref reader, n, name, $"out of range for {datatype} ({min} to {max})");
        }
        var real = reader.GetDouble();
        if (Math.Floor(real) != real) throw Refused(ref reader, n, name, $"not a whole number ({datatype} takes whole numbers)");
        if (real < min || real > max || real >= 9223372036854775808d) throw Refused(ref reader, n, name, $"out of range for {datatype} ({min} to {max})");
        if (Math.Abs(real) > MaxExactWhole) throw Refused(ref reader, n, name, $"too large to be exact with a fraction or exponent; write {datatype} values as plain whole numbers");
        return (long)real;
    }

    private static ulong UnsignedWhole(ref Utf8JsonReader reader, int n, string name)
    {
        if (reader.TryGetUInt64(out var value)) return value;
        var real = reader.GetDouble();
        if (Math.Floor(real) != real) throw Refused(ref reader, n, name, "not a whole number (UINT64 takes whole numbers)");
        if (real < 0 || real >= 18446744073709551616d) throw Refused(ref reader, n, name, $"out of range for UINT64 (0 to {ulong.MaxValue})");
        if (real > MaxExactWhole) throw Refused(ref reader, n, name, "too large to be exact with a fraction or exponent; write UINT64 values as plain whole numbers");
        return (ulong)real;
    }

    private static T Finite<T>(T value, ref Utf8JsonReader reader, int n, string name, string datatype) where T : System.Numerics.IFloatingPointIeee754<T> =>
        T.IsFinite(value) ? value : throw Refused(ref reader, n, name, $"out of range for {datatype}");

    private static ServingException Refused(ref Utf8JsonReader reader, int n, string name, string problem)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => $"the string \"{Excerpt(reader.GetString()!)}\"",
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => "null",
            JsonTokenType.StartObject => "an object",
            _ => reader.TokenType.ToString(),
        };
        return InferRequest.Invalid($"Value {n} of input '{name}' is {text}, {problem}.");
    }

    private static string Excerpt(string text) => text.Length <= 24 ? text : text[..24] + "…";

    private static InferenceTensor FromBinary(ReadOnlySpan<byte> bytes, OnnxElementType type, string datatype, RequestedInput input, int count)
    {
        if (type == OnnxElementType.String) return Wrap(type, Strings(bytes, input, count), input.Shape!);
        var size = ElementSize(type);
        if (bytes.Length != (long)count * size)
            throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText} of {datatype}, which takes {(long)count * size} bytes, but its binary_data_size is {bytes.Length}.");
        if (type == OnnxElementType.Bool)
        {
            var at = bytes.IndexOfAnyExcept((byte)0, (byte)1);
            if (at >= 0) throw InferRequest.Invalid($"Value {at} of input '{input.Name}' is the byte {bytes[at]}, out of range for BOOL (0 or 1).");
        }
        var values = Allocate(type, count);
        bytes.CopyTo(MemoryMarshal.AsBytes(ValuesSpan(type, values)));
        return Wrap(type, values, input.Shape!);
    }

    private static string[] Strings(ReadOnlySpan<byte> bytes, RequestedInput input, int count)
    {
        var values = new List<string>(count);
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < sizeof(uint))
                throw InferRequest.Invalid($"The binary data of input '{input.Name}' ends inside the 4-byte length of element {values.Count}.");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            offset += sizeof(uint);
            if (length > bytes.Length - offset)
                throw InferRequest.Invalid($"Element {values.Count} of input '{input.Name}' says it is {length} bytes, but only {bytes.Length - offset} bytes of its binary data are left.");
            try
            {
                values.Add(s_strictUtf8.GetString(bytes.Slice(offset, (int)length)));
            }
            catch (DecoderFallbackException)
            {
                throw InferRequest.Invalid($"Element {values.Count} of input '{input.Name}' is not UTF-8 text (BYTES inputs are served as strings).");
            }
            offset += (int)length;
        }
        if (values.Count != count)
            throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}, which holds {count} values, but its binary data has {values.Count}.");
        return [.. values];
    }

    public static int ElementSize(OnnxElementType type) => type switch
    {
        OnnxElementType.Bool or OnnxElementType.UInt8 or OnnxElementType.Int8 => 1,
        OnnxElementType.UInt16 or OnnxElementType.Int16 or OnnxElementType.Float16 or OnnxElementType.BFloat16 => 2,
        OnnxElementType.UInt32 or OnnxElementType.Int32 or OnnxElementType.Float32 => 4,
        OnnxElementType.UInt64 or OnnxElementType.Int64 or OnnxElementType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a fixed-size element type."),
    };

    private static Array Allocate(OnnxElementType type, int count) => type switch
    {
        OnnxElementType.Float32 => new float[count],
        OnnxElementType.Float64 => new double[count],
        OnnxElementType.Float16 => new Float16[count],
        OnnxElementType.BFloat16 => new BFloat16[count],
        OnnxElementType.Int8 => new sbyte[count],
        OnnxElementType.UInt8 => new byte[count],
        OnnxElementType.Int16 => new short[count],
        OnnxElementType.UInt16 => new ushort[count],
        OnnxElementType.Int32 => new int[count],
        OnnxElementType.UInt32 => new uint[count],
        OnnxElementType.Int64 => new long[count],
        OnnxElementType.UInt64 => new ulong[count],
        OnnxElementType.Bool => new bool[count],
        OnnxElementType.String => new string[count],
        _ => throw InferRequest.Invalid($"Element type {type.Name()} is not served."),
    };

    private static Span<byte> ValuesSpan(OnnxElementType type, Array values) => type switch
    {
        OnnxElementType.Float32 => MemoryMarshal.AsBytes(((float[])values).AsSpan()),
        OnnxElementType.Float64 => MemoryMarshal.AsBytes(((double[])values).AsSpan()),
        OnnxElementType.Float16 => MemoryMarshal.AsBytes(((Float16[])values).AsSpan()),
        OnnxElementType.BFloat16 => MemoryMarshal.AsBytes(((BFloat16[])values).AsSpan()),
        OnnxElementType.Int8 => MemoryMarshal.AsBytes(((sbyte[])values).AsSpan()),
        OnnxElementType.UInt8 => ((byte[])values).AsSpan(),
        OnnxElementType.Int16 => MemoryMarshal.AsBytes(((short[])values).AsSpan()),
        OnnxElementType.UInt16 => MemoryMarshal.AsBytes(((ushort[])values).AsSpan()),
        OnnxElementType.Int32 => MemoryMarshal.AsBytes(((int[])values).AsSpan()),
        OnnxElementType.UInt32 => MemoryMarshal.AsBytes(((uint[])values).AsSpan()),
        OnnxElementType.Int64 => MemoryMarshal.AsBytes(((long[])values).AsSpan()),
        OnnxElementType.UInt64 => MemoryMarshal.AsBytes(((ulong[])values).AsSpan()),
        OnnxElementType.Bool => MemoryMarshal.AsBytes(((bool[])values).AsSpan()),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a fixed-size element type."),
    };

    private static InferenceTensor Wrap(OnnxElementType type, Array values, long[] shape) => type switch
    {
        OnnxElementType.Float32 => InferenceTensor.Create((float[])values, shape),
        OnnxElementType.Float64 => InferenceTensor.Create((double[])values, shape),
        OnnxElementType.Float16 => InferenceTensor.Create((Float16[])values, shape),
        OnnxElementType.BFloat16 => InferenceTensor.Create((BFloat16[])values, shape),
        OnnxElementType.Int8 => InferenceTensor.Create((sbyte[])values, shape),
        OnnxElementType.UInt8 => InferenceTensor.Create((byte[])values, shape),
        OnnxElementType.Int16 => InferenceTensor.Create((short[])values, shape),
        OnnxElementType.UInt16 => InferenceTensor.Create((ushort[])values, shape),
        OnnxElementType.Int32 => InferenceTensor.Create((int[])values, shape),
        OnnxElementType.UInt32 => InferenceTensor.Create((uint[])values, shape),
        OnnxElementType.Int64 => InferenceTensor.Create((long[])values, shape),
        OnnxElementType.UInt64 => InferenceTensor.Create((ulong[])values, shape),
        OnnxElementType.Bool => InferenceTensor.Create((bool[])values, shape),
        OnnxElementType.String => InferenceTensor.Create((string[])values, shape),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a served element type."),
    };
}
