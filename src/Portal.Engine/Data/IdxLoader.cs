using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Portal.Engine.Data;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST: a big-endian magic number <c>0x0000TTDD</c> (TT the element
/// type, DD the number of dimensions), DD big-endian int32 dimensions, then the values, big-endian. Files may be raw
/// or gzip-compressed; gzip is recognised by its magic bytes 1f 8b, not by the file name.
/// </summary>
/// <remarks>
/// Values are converted chunk by chunk as they are decompressed, so the only large allocation is the result: on
/// this kind of virtual machine first-touch page faults, not arithmetic, dominate the load time.
/// </remarks>
public static class IdxLoader
{
    private const int MagicImages = 0x00000803;
    private const int MagicLabels = 0x00000801;
    private const int ChunkBytes = 1 << 20;

    /// <summary>Images as a dataset of [1, H, W] samples (channel first) with the pixel values as stored.</summary>
    public static Dataset LoadImagesAndLabels(string imagesPath, string labelsPath, string name, IReadOnlyList<string>? classNames = null) =>
        Combine(ReadImages(imagesPath), imagesPath, ReadLabels(labelsPath), labelsPath, name, classNames);

    public static Dataset LoadImagesAndLabels(Stream images, Stream labels, string name, IReadOnlyList<string>? classNames = null) =>
        Combine(ReadImages(images, $"{name} images"), $"{name} images", ReadLabels(labels, $"{name} labels"), $"{name} labels", name, classNames);

    public static IdxImages ReadImages(string path)
    {
        using var file = OpenFile(path);
        return ReadImages(file, path);
    }

    /// <param name="source">What the stream is, for error messages (a file name, for instance).</param>
    public static IdxImages ReadImages(Stream stream, string source) => Read(stream, source, ParseImages);

    public static int[] ReadLabels(string path)
    {
        using var file = OpenFile(path);
        return ReadLabels(file, path);
    }

    /// <param name="source">What the stream is, for error messages (a file name, for instance).</param>
    public static int[] ReadLabels(Stream stream, string source) => Read(stream, source, ParseLabels);

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);

    private static Dataset Combine(IdxImages images, string imagesSource, int[] labels, string labelsSource, string name, IReadOnlyList<string>? classNames)
    {
        if (images.Count != labels.Length)
            throw new DatasetFormatException(
                $"'{imagesSource}' holds {images.Count} images but '{labelsSource}' holds {labels.Length} labels; they must match one to one.");
        if (classNames is null)
        {
            var max = labels.Length == 0 ? 0 : labels.Max();
            classNames = [.. Enumerable.Range(0, max + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new DatasetFormatException(
                    $"Label {labels[i]} of sample {i} in '{labelsSource}' is outside the {classNames.Count} class names (0..{classNames.Count - 1}).");
        }
        return new Dataset(name, images.Pixels, [1, images.Height, images.Width], labels, classNames);
    }

    /// <summary>Runs <paramref name="parse"/> over the content, decompressed when it starts with the gzip magic.</summary>
    private static T Read<T>(Stream stream, string source, Func<Content, T> parse)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            // Peeking at the first two bytes needs a seekable stream; compressed files are small enough to copy.
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Read(copy, source, parse);
        }
        var start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        var isGzip = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        stream.Position = start;
        if (!isGzip) return parse(new Content(stream, source, ""));
        try
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            return parse(new Content(gzip, source, " after gzip decompression"));
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException($"'{source}' starts like gzip (1f 8b) but is not a valid gzip stream: {e.Message}", e);
        }
    }

    private static IdxImages ParseImages(Content content)
    {
        var header = ReadHeader(content, MagicImages, "images (N×H×W)", ImageTypes);
        var values = new float[checked(header.Dims[0] * header.Dims[1] * header.Dims[2])];
        ReadBody(content, header, (chunk, first) =>
        {
            var destination = values.AsSpan(first, chunk.Length / header.ElementSize);
            switch (header.Type)
            {
                case IdxType.UnsignedByte: for (var i = 0; i < destination.Length; i++) destination[i] = chunk[i]; break;
                case IdxType.SignedByte: for (var i = 0; i < destination.Length; i++) destination[i] = (sbyte)chunk[i]; break;
                case IdxType.Int16: for (var i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt16BigEndian(chunk[(2 * i)..]); break;
                case IdxType.Int32: for (var i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt32BigEndian(chunk[(4 * i)..]); break;
                case IdxType.Float32: for (var i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleBigEndian(chunk[(4 * i)..]); break;
                case IdxType.Float64: for (var i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(chunk[(8 * i)..]); break;
                default: throw new InvalidOperationException($"Element type {header.Type} passed the header check but has no reader.");
            }
        });
        return new IdxImages(header.Dims[0], header.Dims[1], header.Dims[2], values);
    }

    private static int[] ParseLabels(Content content)
    {
        var header = ReadHeader(content, MagicLabels, "labels (N)", LabelTypes);
        var labels = new int[header.Dims[0]];
        ReadBody(content, header, (chunk, first) =>
        {
            var destination = labels.AsSpan(first, chunk.Length / header.ElementSize);
            switch (header.Type)
            {
                case IdxType.UnsignedByte: for (var i = 0; i < destination.Length; i++) destination[i] = chunk[i]; break;
                case IdxType.SignedByte: for (var i = 0; i < destination.Length; i++) destination[i] = (sbyte)chunk[i]; break;
                case IdxType.Int16: for (var i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt16BigEndian(chunk[(2 * i)..]); break;
                case IdxType.Int32: for (var i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt32BigEndian(chunk[(4 * i)..]); break;
                default: throw new InvalidOperationException($"Element type {header.Type} passed the header check but has no reader.");
            }
        });
        return labels;
    }

    /// <summary>Checks the magic number and the dimensions.</summary>
    private static Header ReadHeader(Content content, int expectedMagic, string what, IdxType[] supported)
    {
        var (stream, source, note) = content;
        Span<byte> word = stackalloc byte[4];
        var got = stream.ReadAtLeast(word, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new DatasetFormatException($"'{source}' is truncated: it has {got} bytes{note}, fewer than the 4 of an IDX magic number.");
        var magic = BinaryPrimitives.ReadInt32BigEndian(word);
        var expectedRank = expectedMagic & 0xFF;
        var type = (IdxType)((magic >> 8) & 0xFF);
        var rank = magic & 0xFF;
        if ((magic >> 16) != 0 || !Enum.IsDefined(type) || rank != expectedRank)
            throw new DatasetFormatException(
                $"'{source}' is not an IDX file of {what}: its magic number is 0x{magic:X8}{note}, expected 0x{expectedMagic:X8} " +
                $"(0x0000, an element type, then {expectedRank} dimension{(expectedRank == 1 ? "" : "s")}).");
        if (Array.IndexOf(supported, type) < 0)
            throw new DatasetFormatException(
                $"'{source}' holds IDX elements of type 0x{(int)type:X2} ({Describe(type)}), which are not supported for {what}; " +
                $"supported: {string.Join(", ", supported.Select(t => $"0x{(int)t:X2} ({Describe(t)})"))}.");

        var headerLength = 4 + 4 * rank;
        var dims = new int[rank];
        long elements = 1;
        for (var d = 0; d < rank; d++)
        {
            got = stream.ReadAtLeast(word, 4, throwOnEndOfStream: false);
            if (got < 4)
                throw new DatasetFormatException(
                    $"'{source}' is truncated: its header needs {headerLength} bytes, the file has {4 + 4 * d + got}{note}.");
            var size = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (size == 0 || size > int.MaxValue)
                throw new DatasetFormatException(
                    $"'{source}' declares dimension {d} as {size}; each dimension of {what} must be between 1 and {int.MaxValue}.");
            dims[d] = (int)size;
            elements *= size;
            if (elements > Array.MaxLength)
                throw new DatasetFormatException(
                    $"'{source}' declares {string.Join('×', dims.Take(d + 1))}{(d + 1 < rank ? "×…" : "")} values, more than one array can hold ({Array.MaxLength}).");
        }
        return new Header(type, dims, headerLength, elements, ElementSize(type));
    }

    /// <summary>
    /// Hands the values to <paramref name="consume"/> in chunks of whole elements (with the index of the chunk's first
    /// element), then checks that nothing follows them.
    /// </summary>
    private static void ReadBody(Content content, Header header, ChunkConsumer consume)
    {
        var (stream, source, note) = content;
        var bodyLength = header.Elements * header.ElementSize;
        var expectedLength = header.Length + bodyLength;
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long read = 0;
            while (read < bodyLength)
            {
                var want = (int)Math.Min(ChunkBytes, bodyLength - read);
                var got = stream.ReadAtLeast(chunk.AsSpan(0, want), want, throwOnEndOfStream: false);
                if (got < want)
                {
                    var present = header.Length + read + got;
                    throw new DatasetFormatException(
                        $"'{source}' is truncated: its header declares {header.Describe()}, {expectedLength} bytes in all, " +
                        $"but it has {present} bytes{note} ({expectedLength - present} missing).");
                }
                consume(chunk.AsSpan(0, got), (int)(read / header.ElementSize));
                read += got;
            }
            long extra = 0;
            int more;
            while ((more = stream.Read(chunk, 0, ChunkBytes)) > 0) extra += more;
            if (extra > 0)
                throw new DatasetFormatException(
                    $"'{source}' has {extra} bytes after the {expectedLength} bytes its header declares ({header.Describe()}){note}.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static int ElementSize(IdxType type) => type switch
    {
        IdxType.UnsignedByte or IdxType.SignedByte => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        IdxType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static string Describe(IdxType type) => type switch
    {
        IdxType.UnsignedByte => "unsigned byte",
        IdxType.SignedByte => "signed byte",
        IdxType.Int16 => "int16",
        IdxType.Int32 => "int32",
        IdxType.Float32 => "float32",
        IdxType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static IdxType[] ImageTypes =>
        [IdxType.UnsignedByte, IdxType.SignedByte, IdxType.Int16, IdxType.Int32, IdxType.Float32, IdxType.Float64];

    private static IdxType[] LabelTypes => [IdxType.UnsignedByte, IdxType.SignedByte, IdxType.Int16, IdxType.Int32];

    private delegate void ChunkConsumer(ReadOnlySpan<byte> chunk, int firstElement);

    /// <summary>The stream of IDX bytes, what it is for messages, and a note when it is decompressed content.</summary>
    private readonly record struct Content(Stream Stream, string Source, string Note);

    private sealed record Header(IdxType Type, int[] Dims, int Length, long Elements, int ElementSize)
    {
        public string Describe() => $"{string.Join('×', Dims)} values of {ElementSize} byte{(ElementSize == 1 ? "" : "s")}";
    }

    private enum IdxType
    {
        UnsignedByte = 0x08,
        SignedByte = 0x09,
        Int16 = 0x0B,
        Int32 = 0x0C,
        Float32 = 0x0D,
        Float64 = 0x0E,
    }
}
