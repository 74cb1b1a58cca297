using System.Buffers.Binary;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Weights;

public class SafetensorsReaderTests
{
    public static TheoryData<ReadPath> Paths => [ReadPath.Span, ReadPath.SeekableStream, ReadPath.NonSeekableStream];

    private static SafetensorsFormatException ReadFails(byte[] file, ReadPath path) =>
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsBytes.Read(file, path));

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_hand_built_F32_file_reads_in_header_order(ReadPath path)
    {
        var file = SafetensorsBytes.File(
            """{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}""",
            SafetensorsBytes.Floats(1f, 2f, 3f, 4f));

        var read = SafetensorsBytes.Read(file, path);

        Assert.Equal(["b", "a"], read.Weights.Tensors.Select(t => t.Name));
        Assert.Equal([3f, 4f], read.Weights["b"].Data);
        Assert.Equal([1f, 2f], read.Weights["a"].Data);
        Assert.Equal([1, 2], read.Weights["a"].Shape);
        Assert.Empty(read.Metadata);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Written_weights_read_back_bit_for_bit(ReadPath path)
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 1000).Select(_ => (float)(random.NextDouble() * 200 - 100)).ToArray();
        float[] special = [float.NaN, -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, -float.MinValue];
        var weights = new ModelWeights(
        [
            new NamedTensor("0.weight", [10, 100], values),
            new NamedTensor("0.bias", [7], special),
            new NamedTensor("1.running_mean", [0], []),
            new NamedTensor("2.scale", [], [3.25f]),
        ]);

        var read = SafetensorsBytes.Read(SafetensorsWriter.ToBytes(weights), path).Weights;

        Assert.Equal(weights.Tensors.Select(t => t.Name), read.Tensors.Select(t => t.Name));
        foreach (var (expected, actual) in weights.Tensors.Zip(read.Tensors))
        {
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), actual.Data.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void A_million_floats_round_trip_through_a_file()
    {
        var directory = Directory.CreateTempSubdirectory("portal-safetensors-");
        try
        {
            var values = new float[1_000_000];
            for (var i = 0; i < values.Length; i++) values[i] = MathF.Sin(i) * i;
            var weights = new ModelWeights([new NamedTensor("big", [1000, 1000], values), new NamedTensor("small", [3], [1, 2, 3])]);
            var path = Path.Combine(directory.FullName, "model.safetensors");
            using (var output = File.Create(path))
                SafetensorsWriter.Write(output, weights, new Dictionary<string, string> { ["epochs"] = "5" });

            using var input = File.OpenRead(path);
            var read = SafetensorsReader.Read(input);

            Assert.Equal(8 + 4 * 1_000_003, new FileInfo(path).Length - (long)ReadHeaderLength(path));
            Assert.Equal(values, read.Weights["big"].Data);
            Assert.Equal([1f, 2f, 3f], read.Weights["small"].Data);
            Assert.Equal("5", read.Metadata["epochs"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static ulong ReadHeaderLength(string path)
    {
        Span<byte> field = stackalloc byte[8];
        using var file = File.OpenRead(path);
        file.ReadExactly(field);
        return BinaryPrimitives.ReadUInt64LittleEndian(field);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Metadata_round_trips_with_quotes_and_non_ascii_text(ReadPath path)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "he said \"ok\"\\ on line 1\nthen Zürich, 東京, 🙂",
            ["empty"] = "",
        };
        var weights = new ModelWeights([new NamedTensor("x", [1], [1f])]);

        var read = SafetensorsBytes.Read(SafetensorsWriter.ToBytes(weights, metadata), path);

        Assert.Equal(metadata.OrderBy(kv => kv.Key), read.Metadata.OrderBy(kv => kv.Key));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void An_F16_tensor_is_converted_to_float32(ReadPath path)
    {
        // IEEE half: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 (largest) = 0x7BFF, smallest subnormal 2^-24 = 0x0001.
        var file = SafetensorsBytes.File(
            """{"__metadata__":{"source":"hand"},"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]}}""",
            0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B, 0x01, 0x00);

        var read = SafetensorsBytes.Read(file, path);

        Assert.Equal([1f, -2f, 0.5f, 65504f, MathF.Pow(2, -24)], read.Weights["h"].Data);
        Assert.Equal("hand", read.Metadata["source"]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BF16_and_F64_tensors_are_converted_to_float32(ReadPath path)
    {
        // bfloat16 is the high half of float32: 1.0 = 0x3F80, -2.5 = 0xC020. F64 1.5 = 0x3FF8000000000000.
        var file = SafetensorsBytes.File(
            """{"bf":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"d":{"dtype":"F64","shape":[1],"data_offsets":[4,12]},"f":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}""",
            [0x80, 0x3F, 0x20, 0xC0, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, .. SafetensorsBytes.Floats(7f)]);

        var read = SafetensorsBytes.Read(file, path).Weights;

        Assert.Equal([1f, -2.5f], read["bf"].Data);
        Assert.Equal([1.5f], read["d"].Data);
        Assert.Equal([7f], read["f"].Data);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_file_shorter_than_the_length_field_is_refused(ReadPath path)
    {
        var error = ReadFails([1, 0, 0], path);
        Assert.Contains("3 bytes", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_header_length_larger_than_the_file_is_refused(ReadPath path)
    {
        var error = ReadFails(SafetensorsBytes.WithLengthField(1000, "{}      "u8.ToArray()), path);
        Assert.Contains("1000 bytes", error.Message);
        Assert.Contains("only 8 bytes follow", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void An_absurd_header_length_is_refused_before_anything_is_allocated(ReadPath path)
    {
        var error = ReadFails(SafetensorsBytes.WithLengthField(200_000_000_000, "{}      "u8.ToArray()), path);
        Assert.Contains("200000000000", error.Message);
        Assert.Contains("100000000-byte limit", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_header_that_is_not_json_is_refused(ReadPath path)
    {
        var error = ReadFails(SafetensorsBytes.File("this is not json"), path);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_header_that_is_not_utf8_is_refused(ReadPath path)
    {
        var error = ReadFails(SafetensorsBytes.WithLengthField(8, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']), path);
        Assert.Contains("not valid UTF-8", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_header_that_is_not_an_object_is_refused(ReadPath path)
    {
        var error = ReadFails(SafetensorsBytes.File("""[{"dtype":"F32"}]"""), path);
        Assert.Contains("JSON array, not an object", error.Message);
    }

    [Theory]
    [InlineData("dtype", """{"t":{"shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("shape", """{"t":{"dtype":"F32","data_offsets":[0,4]}}""")]
    [InlineData("data_offsets", """{"t":{"dtype":"F32","shape":[1]}}""")]
    public void A_tensor_missing_a_field_is_refused_naming_tensor_and_field(string field, string header)
    {
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Read(SafetensorsBytes.File(header, SafetensorsBytes.Floats(1f))));
        Assert.Equal($"Tensor 't' has no \"{field}\".", error.Message);
    }

    [Theory]
    [InlineData("""{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "dimension 0 = -1")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "dimension 0 = 1.5")]
    [InlineData("""{"t":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", "not an array")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "expected [begin, end]")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", "data offset -4")]
    [InlineData("""{"t":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}""", "\"dtype\" that is a JSON number")]
    [InlineData("""{"t":[1,2]}""", "Tensor 't' is a JSON array")]
    [InlineData("""{"__metadata__":{"epochs":5}}""", "Metadata entry 'epochs' is a JSON number")]
    [InlineData("""{"__metadata__":["a"]}""", "\"__metadata__\" is a JSON array")]
    public void Malformed_tensor_and_metadata_entries_are_refused_precisely(string header, string expected)
    {
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Read(SafetensorsBytes.File(header, SafetensorsBytes.Floats(1f))));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Offsets_whose_end_comes_before_the_begin_are_refused(ReadPath path)
    {
        var file = SafetensorsBytes.File("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", SafetensorsBytes.Floats(1f));
        var error = ReadFails(file, path);
        Assert.Contains("Tensor 't' has data_offsets [4, 0]: the end comes before the begin", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_gap_between_tensors_is_refused_naming_both_neighbours(ReadPath path)
    {
        var file = SafetensorsBytes.File(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
            SafetensorsBytes.Floats(1f, 2f, 3f));
        var error = ReadFails(file, path);
        Assert.Contains("Data bytes [4, 8) belong to no tensor", error.Message);
        Assert.Contains("'a'", error.Message);
        Assert.Contains("'b'", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Data_before_the_first_tensor_is_a_gap(ReadPath path)
    {
        var file = SafetensorsBytes.File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", SafetensorsBytes.Floats(1f, 2f));
        var error = ReadFails(file, path);
        Assert.Contains("Data bytes [0, 4) belong to no tensor", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Overlapping_tensors_are_refused_naming_both(ReadPath path)
    {
        var file = SafetensorsBytes.File(
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
            SafetensorsBytes.Floats(1f, 2f));
        var error = ReadFails(file, path);
        Assert.Equal("Tensor 'b' (data_offsets [4, 8]) overlaps tensor 'a' (data_offsets [0, 8]).", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_byte_length_that_does_not_match_the_shape_names_the_tensor_and_both_sizes(ReadPath path)
    {
        var file = SafetensorsBytes.File("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", new byte[20]);
        var error = ReadFails(file, path);
        Assert.Contains("Tensor 'w'", error.Message);
        Assert.Contains("needs 6 × 4 = 24 bytes", error.Message);
        Assert.Contains("span 20 bytes", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Truncated_data_names_the_tensor_that_is_cut_off(ReadPath path)
    {
        var file = SafetensorsBytes.File(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
            SafetensorsBytes.Floats(1f, 2f));
        var error = ReadFails(file, path);
        Assert.Contains("indexes 12 data bytes but the file holds 8", error.Message);
        Assert.Contains("tensor 'b'", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Bytes_after_the_last_tensor_are_refused(ReadPath path)
    {
        var file = SafetensorsBytes.File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", SafetensorsBytes.Floats(1f, 2f));
        var error = ReadFails(file, path);
        Assert.Contains("the last 4 bytes belong to no tensor", error.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_tensor_name_that_appears_twice_is_refused(ReadPath path)
    {
        var file = SafetensorsBytes.File(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
            SafetensorsBytes.Floats(1f, 2f));
        var error = ReadFails(file, path);
        Assert.Equal("Tensor 'a' appears twice in the header.", error.Message);
    }

    [Theory]
    [InlineData("I64", 8)]
    [InlineData("U8", 1)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("f32", 4)]
    public void A_dtype_other_than_the_float_types_is_refused_naming_tensor_and_dtype(string dtype, int size)
    {
        var file = SafetensorsBytes.File($$$"""{"ids":{"dtype":"{{{dtype}}}","shape":[1],"data_offsets":[0,{{{size}}}]}}""", new byte[size]);
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Read(file));
        Assert.Equal($"Tensor 'ids' has dtype {dtype}; Portal reads F32, F16, BF16 and F64 tensors only.", error.Message);
    }

    [Fact]
    public void Reading_starts_at_the_streams_current_position()
    {
        var file = SafetensorsBytes.File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", SafetensorsBytes.Floats(9f));
        using var stream = new MemoryStream([0xAA, 0xBB, .. file]);
        stream.Position = 2;
        Assert.Equal([9f], SafetensorsReader.Read(stream).Weights["a"].Data);
    }
}
