using System.Buffers.Binary;
using System.IO.Compression;

namespace Portal.Engine.Tests.Data;

/// <summary>Builds IDX files byte by byte, as the format describes them, for the loader's tests.</summary>
internal static class IdxBytes
{
    public static byte[] File(uint magic, uint[] dims, byte[] body)
    {
        var bytes = new byte[4 + 4 * dims.Length + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        body.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Images(int count, int height, int width, Func<int, int, int, byte> pixel)
    {
        var body = new byte[count * height * width];
        for (var n = 0; n < count; n++)
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    body[(n * height + y) * width + x] = pixel(n, y, x);
        return File(0x00000803, [(uint)count, (uint)height, (uint)width], body);
    }

    public static byte[] Labels(params byte[] labels) => File(0x00000801, [(uint)labels.Length], labels);

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return output.ToArray();
    }
}
