using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portal.Engine.Weights;

/// <summary>
/// Writes weights as a safetensors file: every tensor as F32, in the order of <see cref="ModelWeights.Tensors"/>,
/// contiguous from data byte 0; metadata (if any) first in the header, keys in ordinal order; the header
/// padded with spaces so that the data starts at a multiple of 8 bytes. The same weights and metadata always
/// give the same bytes.
/// </summary>
public static class SafetensorsWriter
{
    private const int LengthFieldSize = 8;
    private const int Alignment = 8;

    public static void Write(Stream stream, ModelWeights weights, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(BuildPrefix(weights, metadata));
        if (BitConverter.IsLittleEndian)
        {
            foreach (var tensor in weights.Tensors)
                stream.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
            return;
        }

        var buffer = new byte[64 * 1024];
        foreach (var tensor in weights.Tensors)
        {
            for (var start = 0; start < tensor.Data.Length; start += buffer.Length / 4)
            {
                var chunk = tensor.Data.AsSpan(start, Math.Min(buffer.Length / 4, tensor.Data.Length - start));
                WriteLittleEndian(chunk, buffer);
                stream.Write(buffer, 0, chunk.Length * 4);
            }
        }
    }

    public static byte[] ToBytes(ModelWeights weights, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var prefix = BuildPrefix(weights, metadata);
        var total = prefix.Length + weights.Tensors.Sum(t => 4L * t.Data.Length);
        if (total > Array.MaxLength)
            throw new ArgumentException($"The weights need {total} bytes, more than one byte array can hold; write them to a stream instead.", nameof(weights));

        var bytes = new byte[total];
        prefix.CopyTo(bytes, 0);
        var position = prefix.Length;
        foreach (var tensor in weights.Tensors)
        {
            WriteLittleEndian(tensor.Data, bytes.AsSpan(position));
            position += tensor.Data.Length * 4;
        }
        return bytes;
    }

    /// <summary>The 8-byte header length followed by the padded JSON header.</summary>
    private static byte[] BuildPrefix(ModelWeights weights, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var json = new ArrayBufferWriter<byte>();
        // Names are written as they are; only what JSON itself requires (quotes, backslash, control characters) is escaped.
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var writer = new Utf8JsonWriter(json, options))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(value, $"{nameof(metadata)}[\"{key}\"]");
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in weights.Tensors)
            {
                if (tensor.Name == SafetensorsHeader.MetadataKey)
                    throw new ArgumentException($"A tensor cannot be named '{SafetensorsHeader.MetadataKey}': the format reserves that key for metadata.", nameof(weights));
                var end = offset + 4L * tensor.Data.Length;
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", SafetensorsDtype.F32);
                writer.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape) writer.WriteNumberValue(dimension);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }

        var headerLength = (json.WrittenCount + Alignment - 1) / Alignment * Alignment;
        var prefix = new byte[LengthFieldSize + headerLength];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength);
        json.WrittenSpan.CopyTo(prefix.AsSpan(LengthFieldSize));
        prefix.AsSpan(LengthFieldSize + json.WrittenCount).Fill((byte)' ');
        return prefix;
    }

    private static void WriteLittleEndian(ReadOnlySpan<float> values, Span<byte> target)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(target);
            return;
        }
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(target[(i * 4)..], values[i]);
    }
}
