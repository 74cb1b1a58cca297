using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Portal.Engine.Weights;

/// <summary>
/// Reads safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of UTF-8 JSON, then the tensors' little-endian bytes. F32 tensors are read as they are;
/// F16, BF16 and F64 tensors are converted to float32; any other dtype is refused. Every structural rule of
/// the format is checked, and a violation is a <see cref="SafetensorsFormatException"/> naming what is wrong.
/// </summary>
public static class SafetensorsReader
{
    /// <summary>The largest header accepted, as in the reference implementation; a larger length field means a damaged or hostile file.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const int LengthFieldSize = 8;

    public static SafetensorsFile Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < LengthFieldSize)
            throw new SafetensorsFormatException($"The file is {file.Length} bytes, shorter than the 8-byte header length that starts a safetensors file.");
        var headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(file), file.Length - LengthFieldSize);
        var header = SafetensorsHeader.Parse(file.Slice(LengthFieldSize, headerLength).ToArray());

        var data = file[(LengthFieldSize + headerLength)..];
        CheckDataLength(header, data.Length);
        var tensors = new NamedTensor[header.Tensors.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var entry = header.Tensors[i];
            var values = new float[entry.ElementCount];
            SafetensorsDtype.Decode(entry.Dtype, data.Slice((int)entry.Begin, (int)entry.ByteLength), values);
            tensors[i] = new NamedTensor(entry.Name, entry.Shape, values);
        }
        return new SafetensorsFile(new ModelWeights(tensors), header.Metadata);
    }

    /// <summary>
    /// Reads a file from the stream's current position to its end. A seekable stream (a file) is read once,
    /// straight into the tensors; any other stream is first buffered in memory.
    /// </summary>
    public static SafetensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            // The length is unknown until the end, so a header cannot be checked against it before allocating.
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        var remaining = stream.Length - stream.Position;
        Span<byte> lengthField = stackalloc byte[LengthFieldSize];
        if (remaining < LengthFieldSize)
            throw new SafetensorsFormatException($"The file is {remaining} bytes, shorter than the 8-byte header length that starts a safetensors file.");
        stream.ReadExactly(lengthField);
        var headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(lengthField), remaining - LengthFieldSize);
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var header = SafetensorsHeader.Parse(headerBytes);
        CheckDataLength(header, remaining - LengthFieldSize - headerLength);

        var values = new Dictionary<SafetensorsEntry, float[]>(ReferenceEqualityComparer.Instance);
        byte[]? conversionBuffer = null;
        foreach (var entry in header.TensorsByOffset)
        {
            var tensorValues = new float[entry.ElementCount];
            if (entry.Dtype == SafetensorsDtype.F32)
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(tensorValues.AsSpan()));
                SafetensorsDtype.FromLittleEndianInPlace(tensorValues);
            }
            else
            {
                var byteLength = (int)entry.ByteLength;
                if (conversionBuffer is null || conversionBuffer.Length < byteLength) conversionBuffer = new byte[byteLength];
                stream.ReadExactly(conversionBuffer, 0, byteLength);
                SafetensorsDtype.Decode(entry.Dtype, conversionBuffer.AsSpan(0, byteLength), tensorValues);
            }
            values.Add(entry, tensorValues);
        }
        var tensors = header.Tensors.Select(e => new NamedTensor(e.Name, e.Shape, values[e]));
        return new SafetensorsFile(new ModelWeights(tensors), header.Metadata);
    }

    private static int CheckHeaderLength(ulong declared, long available)
    {
        if (declared > MaxHeaderLength)
            throw new SafetensorsFormatException($"The header length field says {declared} bytes, more than the {MaxHeaderLength}-byte limit: the file is damaged or not safetensors.");
        if ((long)declared > available)
            throw new SafetensorsFormatException($"The header length field says {declared} bytes, but only {available} bytes follow it.");
        if (declared == 0)
            throw new SafetensorsFormatException("The header length field says 0 bytes; a safetensors header is at least the JSON object \"{}\".");
        return (int)declared;
    }

    private static void CheckDataLength(SafetensorsHeader header, long available)
    {
        if (available < header.DataLength)
        {
            var cut = header.TensorsByOffset.First(t => t.End > available);
            throw new SafetensorsFormatException(
                $"The data is truncated: the header indexes {header.DataLength} data bytes but the file holds {available}; " +
                $"tensor '{cut.Name}' (data_offsets [{cut.Begin}, {cut.End}]) is cut off.");
        }
        if (available > header.DataLength)
            throw new SafetensorsFormatException(
                $"The file holds {available} data bytes but the header indexes only {header.DataLength}: the last {available - header.DataLength} bytes belong to no tensor.");
    }
}
