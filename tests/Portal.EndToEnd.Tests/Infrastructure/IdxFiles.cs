using System.Buffers.Binary;
using System.IO.Compression;

namespace Portal.EndToEnd.Tests.Infrastructure;

/// <summary>A small IDX dataset cut from Debian's Fashion-MNIST (the first N images and labels), written as raw IDX files.</summary>
public static class IdxFiles
{
    private const string Source = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST's classes in label order, as the built-in datasets name them: a model trained on a cut is evaluated on fashion-mnist-test by name.</summary>
    public const string FashionClassNames = "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot";

    public static (string Images, string Labels) FirstOfFashionMnist(int count, string directory)
    {
        var images = Path.Combine(directory, $"fashion-{count}-images.idx3-ubyte");
        var labels = Path.Combine(directory, $"fashion-{count}-labels.idx1-ubyte");
        Cut(Path.Combine(Source, "train-images-idx3-ubyte.gz"), images, count, 16, 28 * 28);
        Cut(Path.Combine(Source, "train-labels-idx1-ubyte.gz"), labels, count, 8, 1);
        return (images, labels);
    }

    private static void Cut(string gzip, string target, int count, int headerBytes, int bytesPerItem)
    {
        using var input = new GZipStream(File.OpenRead(gzip), CompressionMode.Decompress);
        var header = new byte[headerBytes];
        input.ReadExactly(header);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        var body = new byte[count * bytesPerItem];
        input.ReadExactly(body);
        using var output = File.Create(target);
        output.Write(header);
        output.Write(body);
    }
}
