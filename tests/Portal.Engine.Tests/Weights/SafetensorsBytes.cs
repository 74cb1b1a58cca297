using System.Buffers.Binary;
using System.Text;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Weights;

/// <summary>Hand-built safetensors files, so reader tests do not depend on the writer.</summary>
internal static class SafetensorsBytes
{
    /// <summary>The length field, <paramref name="headerJson"/> padded with spaces to a multiple of 8, then <paramref name="data"/>.</summary>
    public static byte[] File(string headerJson, params byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(headerJson);
        var padded = (json.Length + 7) / 8 * 8;
        var header = new byte[padded];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return WithLengthField((ulong)padded, [.. header, .. data]);
    }

    /// <summary>An arbitrary length field followed by <paramref name="rest"/>, for files whose length field lies.</summary>
    public static byte[] WithLengthField(ulong declaredHeaderLength, byte[] rest)
    {
        var bytes = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength);
        rest.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    public static SafetensorsFile Read(byte[] file, ReadPath path)
    {
        switch (path)
        {
            case ReadPath.Span:
                return SafetensorsReader.Read(file.AsSpan());
            case ReadPath.SeekableStream:
                using (var stream = new MemoryStream(file, writable: false))
                    return SafetensorsReader.Read(stream);
            default:
                using (var stream = new ForwardOnlyStream(new MemoryStream(file, writable: false)))
                    return SafetensorsReader.Read(stream);
        }
    }
}

public enum ReadPath
{
    Span,
    SeekableStream,
    NonSeekableStream,
}

/// <summary>A stream that can only be read forward, like a network or decompression stream.</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7));
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
