using System.Buffers.Binary;

namespace Portal.Server.Tests.Datasets;

/// <summary>Small IDX files written in the test: big-endian magic and dimensions, then unsigned bytes.</summary>
public static class IdxFiles
{
    public static byte[] Images(byte[][] pixels, int height, int width)
    {
        var bytes = new byte[16 + pixels.Length * height * width];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), pixels.Length);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), height);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), width);
        for (var i = 0; i < pixels.Length; i++) pixels[i].CopyTo(bytes, 16 + i * height * width);
        return bytes;
    }

    public static byte[] Labels(int[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        for (var i = 0; i < labels.Length; i++) bytes[8 + i] = checked((byte)labels[i]);
        return bytes;
    }

    /// <summary>
    /// <paramref name="count"/> images of <paramref name="side"/>×<paramref name="side"/> in <paramref name="classes"/>
    /// classes that a small network separates: class c lights every pixel whose index is c modulo the class count, plus noise.
    /// </summary>
    public static (byte[] Images, byte[] Labels) Separable(int count, int side, int classes, int seed)
    {
        var random = new Random(seed);
        var labels = new int[count];
        var pixels = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            labels[i] = random.Next(classes);
            pixels[i] = new byte[side * side];
            for (var p = 0; p < pixels[i].Length; p++)
                pixels[i][p] = (byte)((p % classes == labels[i] ? 160 : 40) + random.Next(60));
        }
        return (Images(pixels, side, side), Labels(labels));
    }
}
