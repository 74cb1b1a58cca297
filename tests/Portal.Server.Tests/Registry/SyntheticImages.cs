using System.Buffers.Binary;
using Portal.Engine.Data;

namespace Portal.Server.Tests.Registry;

/// <summary>
/// Tiny 4×4 grey images of two classes, as IDX files: "top" has its top two rows bright, "bottom" its bottom two
/// rows, each pixel with seeded noise. A linear model separates them, so a trained model's accuracy means something.
/// </summary>
internal sealed record SyntheticImages(byte[] ImagesIdx, byte[] LabelsIdx, int Count)
{
    public const int Side = 4;
    public const int Pixels = Side * Side;
    public static readonly string[] ClassNames = ["top", "bottom"];

    public static SyntheticImages Create(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Pixels];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % 2;
            labels[i] = (byte)label;
            for (var p = 0; p < Pixels; p++)
            {
                var bright = (p < Pixels / 2) == (label == 0);
                var value = (bright ? 190 : 50) + random.Next(-45, 46);
                pixels[i * Pixels + p] = (byte)value;
            }
        }
        return new SyntheticImages(Idx(0x0803, [count, Side, Side], pixels), Idx(0x0801, [count], labels), count);
    }

    public Dataset ToDataset(string name) =>
        IdxLoader.LoadImagesAndLabels(new MemoryStream(ImagesIdx), new MemoryStream(LabelsIdx), name, ClassNames);

    private static byte[] Idx(int magic, int[] dims, byte[] values)
    {
        var bytes = new byte[4 + 4 * dims.Length + values.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        values.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }
}
