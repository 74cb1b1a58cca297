using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Portal.Engine.Weights;

/// <summary>The safetensors element types the engine reads, each widened or narrowed to float32.</summary>
internal static class SafetensorsDtype
{
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";
    public const string F64 = "F64";

    public const string Supported = "F32, F16, BF16 and F64";

    public static bool TryGetElementSize(string dtype, out int size)
    {
        size = dtype switch
        {
            F32 => 4,
            F16 or BF16 => 2,
            F64 => 8,
            _ => 0,
        };
        return size != 0;
    }

    /// <summary>Converts little-endian elements of <paramref name="dtype"/> in <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static void Decode(string dtype, ReadOnlySpan<byte> source, Span<float> target)
    {
        switch (dtype)
        {
            case F32:
                source.CopyTo(MemoryMarshal.AsBytes(target));
                FromLittleEndianInPlace(target);
                break;
            case F16:
                for (var i = 0; i < target.Length; i++)
                    target[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(i * 2)..]);
                break;
            case BF16:
                // bfloat16 is the top half of a float32: shift its bits back into place.
                for (var i = 0; i < target.Length; i++)
                    target[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]) << 16);
                break;
            case F64:
                for (var i = 0; i < target.Length; i++)
                    target[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(i * 8)..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"Only {Supported} are decoded.");
        }
    }

    /// <summary>Float32 values whose bytes were copied straight from little-endian data, put into machine order.</summary>
    public static void FromLittleEndianInPlace(Span<float> values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            var bits = MemoryMarshal.Cast<float, int>(values);
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
    }
}
