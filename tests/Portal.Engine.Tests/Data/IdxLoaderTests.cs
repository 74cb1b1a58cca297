using System.Buffers.Binary;
using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class IdxLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte Pixel(int n, int y, int x) => (byte)((n * 31 + y * 7 + x * 3) % 256);

    [Fact]
    public void Raw_and_gzip_files_give_the_same_dataset()
    {
        var images = IdxBytes.Images(5, 4, 3, Pixel);
        var labels = IdxBytes.Labels(2, 0, 1, 2, 1);
        var raw = IdxLoader.LoadImagesAndLabels(_dir.Write("images", images), _dir.Write("labels", labels), "raw");
        var gzip = IdxLoader.LoadImagesAndLabels(
            _dir.Write("images.gz", IdxBytes.Gzip(images)), _dir.Write("labels.gz", IdxBytes.Gzip(labels)), "gzip");

        Assert.Equal([1, 4, 3], raw.SampleShape);
        Assert.Equal(5, raw.Count);
        Assert.Equal(raw.SampleShape, gzip.SampleShape);
        Assert.Equal(raw.Features.ToArray(), gzip.Features.ToArray());
        Assert.Equal(raw.Labels.ToArray(), gzip.Labels.ToArray());
        Assert.Equal([2, 0, 1, 2, 1], raw.Labels.ToArray());
        for (var n = 0; n < 5; n++)
            for (var y = 0; y < 4; y++)
                for (var x = 0; x < 3; x++)
                    Assert.Equal(Pixel(n, y, x), raw.Sample(n)[y * 3 + x]);
    }

    [Fact]
    public void Gzip_is_recognised_by_its_magic_bytes_not_by_the_file_name()
    {
        var images = IdxBytes.Images(2, 2, 2, Pixel);
        var gzipNamedRaw = IdxLoader.ReadImages(_dir.Write("images-idx3-ubyte", IdxBytes.Gzip(images)));
        var rawNamedGzip = IdxLoader.ReadImages(_dir.Write("images-idx3-ubyte.gz", images));
        Assert.Equal(rawNamedGzip.Pixels, gzipNamedRaw.Pixels);
        Assert.Equal((2, 2, 2), (gzipNamedRaw.Count, gzipNamedRaw.Height, gzipNamedRaw.Width));
    }

    [Fact]
    public void Streams_that_cannot_seek_are_read_like_files()
    {
        var images = IdxBytes.Gzip(IdxBytes.Images(3, 2, 2, Pixel));
        var labels = IdxBytes.Labels(0, 1, 0);
        using var imageStream = new ForwardOnlyStream(images);
        using var labelStream = new ForwardOnlyStream(labels);
        var data = IdxLoader.LoadImagesAndLabels(imageStream, labelStream, "streamed", ["zero", "one"]);
        Assert.Equal(3, data.Count);
        Assert.Equal(["zero", "one"], data.ClassNames);
        Assert.Equal(Pixel(2, 1, 1), data.Sample(2)[3]);
    }

    [Fact]
    public void Wrong_magic_number_names_what_was_found_and_what_was_expected()
    {
        var labelsAsImages = _dir.Write("labels", IdxBytes.Labels(1, 2, 3));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadImages(labelsAsImages));
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("expected 0x00000803", e.Message);
        Assert.Contains(labelsAsImages, e.Message);

        var text = _dir.Write("notes.txt", "hello, this is not IDX"u8.ToArray());
        e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadLabels(text));
        Assert.Contains($"0x{BinaryPrimitives.ReadUInt32BigEndian("hell"u8):X8}", e.Message);
        Assert.Contains("expected 0x00000801", e.Message);
    }

    [Fact]
    public void Magic_number_of_a_gzip_file_is_checked_after_decompression()
    {
        var path = _dir.Write("images.gz", IdxBytes.Gzip(IdxBytes.Labels(1, 2)));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadImages(path));
        Assert.Contains("0x00000801 after gzip decompression", e.Message);
    }

    [Fact]
    public void Element_type_that_labels_cannot_have_is_named()
    {
        var floatLabels = _dir.Write("labels", IdxBytes.File(0x00000D01, [2], new byte[8]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadLabels(floatLabels));
        Assert.Contains("type 0x0D (float32)", e.Message);
        Assert.Contains("not supported for labels", e.Message);
    }

    [Fact]
    public void Float32_and_int16_images_are_read_big_endian()
    {
        var floats = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(floats, 0.25f);
        BinaryPrimitives.WriteSingleBigEndian(floats.AsSpan(4), -3.5f);
        var f = IdxLoader.ReadImages(_dir.Write("f", IdxBytes.File(0x00000D03, [1, 1, 2], floats)));
        Assert.Equal([0.25f, -3.5f], f.Pixels);

        var shorts = new byte[4];
        BinaryPrimitives.WriteInt16BigEndian(shorts, 1000);
        BinaryPrimitives.WriteInt16BigEndian(shorts.AsSpan(2), -2);
        var s = IdxLoader.ReadImages(_dir.Write("s", IdxBytes.File(0x00000B03, [2, 1, 1], shorts)));
        Assert.Equal([1000f, -2f], s.Pixels);
    }

    [Theory]
    [InlineData(0u, 28u, 28u, "dimension 0 as 0")]
    [InlineData(10u, 0u, 28u, "dimension 1 as 0")]
    [InlineData(10u, 28u, 0xFFFFFFFFu, "dimension 2 as 4294967295")]
    public void Zero_or_negative_dimensions_are_refused(uint n, uint h, uint w, string expected)
    {
        var path = _dir.Write("images", IdxBytes.File(0x00000803, [n, h, w], new byte[16]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadImages(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Dimensions_too_large_for_memory_are_refused_before_reading()
    {
        var path = _dir.Write("images", IdxBytes.File(0x00000803, [60000, 65535, 65535], new byte[16]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadImages(path));
        Assert.Contains("60000×65535", e.Message);
        Assert.Contains("more than one array can hold", e.Message);
    }

    [Fact]
    public void Truncated_idx_file_names_the_missing_bytes()
    {
        var full = IdxBytes.Images(3, 2, 2, Pixel);
        var path = _dir.Write("images", full[..^5]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadImages(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("3×2×2", e.Message);
        Assert.Contains($"{full.Length} bytes in all", e.Message);
        Assert.Contains($"it has {full.Length - 5} bytes", e.Message);
        Assert.Contains("(5 missing)", e.Message);
    }

    [Fact]
    public void Truncated_header_is_reported_with_its_length()
    {
        var path = _dir.Write("labels", IdxBytes.Labels(1, 2)[..6]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadLabels(path));
        Assert.Contains("header needs 8 bytes, the file has 6", e.Message);

        var tiny = _dir.Write("tiny", [0, 0]);
        e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadLabels(tiny));
        Assert.Contains("2 bytes", e.Message);
    }

    [Fact]
    public void Bytes_after_the_declared_data_are_refused()
    {
        var path = _dir.Write("labels", [.. IdxBytes.Labels(1, 2), 7, 7]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadLabels(path));
        Assert.Contains("2 bytes after the 10 bytes", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_reported_as_a_format_error()
    {
        var gzip = IdxBytes.Gzip(IdxBytes.Images(4, 8, 8, Pixel));
        for (var i = 10; i < gzip.Length - 8; i++) gzip[i] ^= 0x5A;
        var path = _dir.Write("images.gz", gzip);
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        var images = _dir.Write("images", IdxBytes.Images(4, 2, 2, Pixel));
        var labels = _dir.Write("labels", IdxBytes.Labels(0, 1, 2));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.LoadImagesAndLabels(images, labels, "mismatch"));
        Assert.Contains("holds 4 images", e.Message);
        Assert.Contains("holds 3 labels", e.Message);
    }

    [Fact]
    public void Label_outside_the_class_names_is_named_with_its_sample()
    {
        var images = _dir.Write("images", IdxBytes.Images(3, 2, 2, Pixel));
        var labels = _dir.Write("labels", IdxBytes.Labels(0, 1, 5));
        var e = Assert.Throws<DatasetFormatException>(() => IdxLoader.LoadImagesAndLabels(images, labels, "x", ["a", "b", "c"]));
        Assert.Contains("Label 5 of sample 2", e.Message);
        Assert.Contains("3 class names", e.Message);
    }

    [Fact]
    public void Class_names_default_to_the_numbers_up_to_the_largest_label()
    {
        var images = _dir.Write("images", IdxBytes.Images(3, 1, 1, Pixel));
        var labels = _dir.Write("labels", IdxBytes.Labels(3, 0, 1));
        var data = IdxLoader.LoadImagesAndLabels(images, labels, "x");
        Assert.Equal(["0", "1", "2", "3"], data.ClassNames);
    }

    /// <summary>A stream that only reads forward, like a network or pipe stream.</summary>
    private sealed class ForwardOnlyStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
