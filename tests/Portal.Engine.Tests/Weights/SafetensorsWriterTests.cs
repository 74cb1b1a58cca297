using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Weights;

public class SafetensorsWriterTests
{
    private static ModelWeights TinyWeights() => new(
    [
        new NamedTensor("w", [1, 2], [1f, -2.5f]),
        new NamedTensor("b", [1], [0.5f]),
    ]);

    [Fact]
    public void Tiny_weights_are_laid_out_exactly_as_the_format_specifies()
    {
        var bytes = SafetensorsWriter.ToBytes(TinyWeights(), new Dictionary<string, string> { ["format"] = "pt" });

        // Header: metadata first, then the tensors in the order of ModelWeights.Tensors, F32, contiguous offsets from 0.
        var expectedJson = Encoding.UTF8.GetBytes(
            """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + headerLength) % 8);
        Assert.True(headerLength >= (ulong)expectedJson.Length && headerLength < (ulong)expectedJson.Length + 8,
            $"header length {headerLength} is not the JSON's {expectedJson.Length} bytes padded to 8");
        Assert.Equal(expectedJson, bytes[8..(8 + expectedJson.Length)]);
        Assert.All(bytes[(8 + expectedJson.Length)..(8 + (int)headerLength)], b => Assert.Equal((byte)0x20, b));

        // Data: 1.0f = 0x3F800000, -2.5f = 0xC0200000, 0.5f = 0x3F000000, each little-endian.
        byte[] expectedData = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0, 0x00, 0x00, 0x00, 0x3F];
        Assert.Equal(expectedData, bytes[(8 + (int)headerLength)..]);
    }

    [Fact]
    public void Header_lists_tensors_in_weights_order_with_contiguous_offsets_covering_the_data()
    {
        var weights = new ModelWeights(
        [
            new NamedTensor("z.last.alphabetically", [3], [1, 2, 3]),
            new NamedTensor("a.first.alphabetically", [2, 2], [4, 5, 6, 7]),
            new NamedTensor("empty", [0, 5], []),
            new NamedTensor("scalar", [], [8]),
        ]);
        var bytes = SafetensorsWriter.ToBytes(weights);

        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var properties = header.RootElement.EnumerateObject().ToArray();
        Assert.Equal(weights.Tensors.Select(t => t.Name), properties.Select(p => p.Name));
        long expectedBegin = 0;
        foreach (var (property, tensor) in properties.Zip(weights.Tensors))
        {
            Assert.Equal(tensor.Shape, property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            Assert.Equal(expectedBegin, offsets[0]);
            Assert.Equal(expectedBegin + 4 * tensor.ElementCount, offsets[1]);
            expectedBegin = offsets[1];
        }
        Assert.Equal(8 + headerLength + expectedBegin, bytes.Length);
    }

    [Fact]
    public void Header_is_padded_with_spaces_to_a_multiple_of_8_whatever_the_name_length()
    {
        for (var nameLength = 1; nameLength <= 16; nameLength++)
        {
            var weights = new ModelWeights([new NamedTensor(new string('n', nameLength), [1], [1f])]);
            var bytes = SafetensorsWriter.ToBytes(weights);
            var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, headerLength % 8);
            var header = bytes.AsSpan(8, headerLength);
            var jsonEnd = header.LastIndexOf((byte)'}') + 1;
            Assert.True(headerLength - jsonEnd < 8, $"{headerLength - jsonEnd} padding bytes for a name of {nameLength}");
            Assert.True(header[jsonEnd..].IndexOfAnyExcept((byte)' ') < 0, "padding is not all spaces");
            Assert.Equal(bytes.Length - 4, 8 + headerLength);
        }
    }

    [Fact]
    public void Stream_and_byte_array_outputs_are_identical_and_repeatable()
    {
        var metadata = new Dictionary<string, string> { ["zeta"] = "1", ["alpha"] = "2" };
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, TinyWeights(), metadata);

        var reordered = new SortedDictionary<string, string>(metadata, StringComparer.Ordinal);
        Assert.Equal(stream.ToArray(), SafetensorsWriter.ToBytes(TinyWeights(), metadata));
        Assert.Equal(stream.ToArray(), SafetensorsWriter.ToBytes(TinyWeights(), reordered));
    }

    [Fact]
    public void Metadata_keys_are_written_in_ordinal_order()
    {
        var bytes = SafetensorsWriter.ToBytes(TinyWeights(), new Dictionary<string, string> { ["zeta"] = "1", ["Alpha"] = "2", ["alpha"] = "3" });
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var keys = header.RootElement.GetProperty("__metadata__").EnumerateObject().Select(p => p.Name);
        Assert.Equal(["Alpha", "alpha", "zeta"], keys);
    }

    [Fact]
    public void Weights_without_tensors_or_metadata_are_an_empty_object_header()
    {
        var bytes = SafetensorsWriter.ToBytes(new ModelWeights([]));
        Assert.Equal(Encoding.ASCII.GetBytes("\u0008\0\0\0\0\0\0\0{}      "), bytes);
    }

    [Fact]
    public void A_tensor_named_like_the_metadata_key_is_refused()
    {
        var weights = new ModelWeights([new NamedTensor("__metadata__", [1], [1f])]);
        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes(weights));
        Assert.Contains("__metadata__", error.Message);
    }
}
