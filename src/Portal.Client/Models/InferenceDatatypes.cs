using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Portal.Client.Models;

/// <summary>
/// The protocol's datatypes for .NET values, and the binary tensor data extension's encoding: little-endian values,
/// BOOL one byte, BYTES each a 4-byte little-endian length and its UTF-8 bytes.
/// </summary>
public static class InferenceDatatypes
{
    /// <summary>The datatype for values of <typeparamref name="T"/>.</summary>
    public static string Of<T>() => typeof(T) switch
    {
        var t when t == typeof(bool) => "BOOL",
        var t when t == typeof(byte) => "UINT8",
        var t when t == typeof(ushort) => "UINT16",
        var t when t == typeof(uint) => "UINT32",
        var t when t == typeof(ulong) => "UINT64",
        var t when t == typeof(sbyte) => "INT8",
        var t when t == typeof(short) => "INT16",
        var t when t == typeof(int) => "INT32",
        var t when t == typeof(long) => "INT64",
        var t when t == typeof(Half) => "FP16",
        var t when t == typeof(float) => "FP32",
        var t when t == typeof(double) => "FP64",
        var t when t == typeof(string) => "BYTES",
        _ => throw new ArgumentException($"Values of {typeof(T).Name} have no protocol datatype; use bool, byte…ulong, sbyte…long, Half, float, double or string."),
    };

    /// <summary>A tensor's JSON data (flat or nested) as binary tensor data of its datatype.</summary>
    public static byte[] Encode(InferenceTensor tensor)
    {
        var values = new List<JsonElement>();
        Flatten(tensor.Data, values);
        var bytes = new List<byte>();
        Span<byte> buffer = stackalloc byte[8];
        foreach (var value in values)
        {
            switch (tensor.Datatype)
            {
                case "BOOL": bytes.Add(value.GetBoolean() ? (byte)1 : (byte)0); continue;
                case "UINT8": bytes.Add(value.GetByte()); continue;
                case "INT8": bytes.Add(unchecked((byte)value.GetSByte())); continue;
                case "BYTES":
                    var text = Encoding.UTF8.GetBytes(value.GetString() ?? "");
                    BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)text.Length);
                    bytes.AddRange(buffer[..4].ToArray());
                    bytes.AddRange(text);
                    continue;
            }
            int size;
            switch (tensor.Datatype)
            {
                case "UINT16": BinaryPrimitives.WriteUInt16LittleEndian(buffer, value.GetUInt16()); size = 2; break;
                case "INT16": BinaryPrimitives.WriteInt16LittleEndian(buffer, value.GetInt16()); size = 2; break;
                case "UINT32": BinaryPrimitives.WriteUInt32LittleEndian(buffer, value.GetUInt32()); size = 4; break;
                case "INT32": BinaryPrimitives.WriteInt32LittleEndian(buffer, value.GetInt32()); size = 4; break;
                case "UINT64": BinaryPrimitives.WriteUInt64LittleEndian(buffer, value.GetUInt64()); size = 8; break;
                case "INT64": BinaryPrimitives.WriteInt64LittleEndian(buffer, value.GetInt64()); size = 8; break;
                case "FP16": BinaryPrimitives.WriteHalfLittleEndian(buffer, (Half)value.GetDouble()); size = 2; break;
                case "BF16": BinaryPrimitives.WriteUInt16LittleEndian(buffer, BFloat16Bits(value.GetSingle())); size = 2; break;
                case "FP32": BinaryPrimitives.WriteSingleLittleEndian(buffer, value.GetSingle()); size = 4; break;
                case "FP64": BinaryPrimitives.WriteDoubleLittleEndian(buffer, value.GetDouble()); size = 8; break;
                default: throw new ArgumentException($"Tensor '{tensor.Name}' has datatype '{tensor.Datatype}', which the protocol does not define.");
            }
            bytes.AddRange(buffer[..size].ToArray());
        }
        return [.. bytes];
    }

    /// <summary>Binary tensor data of <paramref name="datatype"/> as values of <typeparamref name="T"/>.</summary>
    public static T[] Decode<T>(string datatype, byte[] bytes, string name)
    {
        if (datatype == "BYTES")
        {
            if (typeof(T) != typeof(string)) throw new InvalidOperationException($"Tensor '{name}' holds BYTES; read it as strings.");
            var strings = new List<string>();
            for (var offset = 0; offset < bytes.Length;)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
                strings.Add(Encoding.UTF8.GetString(bytes, offset + 4, length));
                offset += 4 + length;
            }
            return (T[])(object)strings.ToArray();
        }
        var size = datatype switch
        {
            "BOOL" or "UINT8" or "INT8" => 1,
            "UINT16" or "INT16" or "FP16" or "BF16" => 2,
            "UINT32" or "INT32" or "FP32" => 4,
            "UINT64" or "INT64" or "FP64" => 8,
            _ => throw new InvalidOperationException($"Tensor '{name}' has datatype '{datatype}', which the protocol does not define."),
        };
        var values = new T[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var at = bytes.AsSpan(i * size, size);
            object value = datatype switch
            {
                "BOOL" => at[0] != 0,
                "UINT8" => at[0],
                "INT8" => unchecked((sbyte)at[0]),
                "UINT16" => BinaryPrimitives.ReadUInt16LittleEndian(at),
                "INT16" => BinaryPrimitives.ReadInt16LittleEndian(at),
                "UINT32" => BinaryPrimitives.ReadUInt32LittleEndian(at),
                "INT32" => BinaryPrimitives.ReadInt32LittleEndian(at),
                "UINT64" => BinaryPrimitives.ReadUInt64LittleEndian(at),
                "INT64" => BinaryPrimitives.ReadInt64LittleEndian(at),
                "FP16" => BinaryPrimitives.ReadHalfLittleEndian(at),
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(at) << 16),
                "FP32" => BinaryPrimitives.ReadSingleLittleEndian(at),
                _ => BinaryPrimitives.ReadDoubleLittleEndian(at),
            };
            values[i] = value is T same ? same
                : value is Half half ? (T)Convert.ChangeType((float)half, typeof(T), System.Globalization.CultureInfo.InvariantCulture)
                : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }
        return values;
    }

    /// <summary>The float's bfloat16 bits, rounded to nearest even.</summary>
    private static ushort BFloat16Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static void Flatten(JsonElement element, List<JsonElement> values)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            values.Add(element);
            return;
        }
        foreach (var item in element.EnumerateArray()) Flatten(item, values);
    }
}
