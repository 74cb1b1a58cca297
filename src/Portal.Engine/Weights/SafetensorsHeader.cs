using System.Text.Json;
using System.Text.Unicode;

namespace Portal.Engine.Weights;

/// <summary>One tensor as the header describes it; offsets are relative to the start of the data section.</summary>
internal sealed record SafetensorsEntry(string Name, string Dtype, int[] Shape, int ElementCount, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// The parsed and validated JSON header of a safetensors file. Validation follows the reference
/// implementation (huggingface/safetensors): every tensor's byte range matches its shape and dtype, and the
/// ranges, taken in offset order, tile the data section from byte 0 with no gap and no overlap. JSON objects
/// are unordered, so the order of the keys is not required to follow the offsets; <see cref="Tensors"/> keeps
/// the header's order, which is the order the writer used.
/// </summary>
internal sealed class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<SafetensorsEntry> tensors, IReadOnlyList<SafetensorsEntry> tensorsByOffset, IReadOnlyDictionary<string, string> metadata, long dataLength)
    {
        Tensors = tensors;
        TensorsByOffset = tensorsByOffset;
        Metadata = metadata;
        DataLength = dataLength;
    }

    /// <summary>The tensors in the order of the header's keys.</summary>
    public IReadOnlyList<SafetensorsEntry> Tensors { get; }

    /// <summary>The tensors in the order of their bytes in the data section.</summary>
    public IReadOnlyList<SafetensorsEntry> TensorsByOffset { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The number of data bytes the tensors cover, which must be the whole data section.</summary>
    public long DataLength { get; }

    public static SafetensorsHeader Parse(ReadOnlyMemory<byte> json)
    {
        if (!Utf8.IsValid(json.Span))
            throw new SafetensorsFormatException($"The {json.Length}-byte header is not valid UTF-8 text.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException($"The {json.Length}-byte header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException($"The header is a JSON {Describe(root.ValueKind)}, not an object of tensors.");

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsEntry>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafetensorsFormatException(property.Name == MetadataKey
                        ? $"The header has \"{MetadataKey}\" twice."
                        : $"Tensor '{property.Name}' appears twice in the header.");
                if (property.Name == MetadataKey)
                    metadata = ParseMetadata(property.Value);
                else
                    tensors.Add(ParseEntry(property.Name, property.Value));
            }

            var byOffset = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToArray();
            var dataLength = CheckTiling(byOffset);
            return new SafetensorsHeader(tensors, byOffset, metadata, dataLength);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException($"\"{MetadataKey}\" is a JSON {Describe(value.ValueKind)}, not an object of strings.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException($"Metadata entry '{entry.Name}' is a JSON {Describe(entry.Value.ValueKind)}; metadata values must be strings.");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new SafetensorsFormatException($"Metadata entry '{entry.Name}' appears twice.");
        }
        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException($"Tensor '{name}' is a JSON {Describe(value.ValueKind)}, not an object with dtype, shape and data_offsets.");

        if (!value.TryGetProperty("dtype", out var dtypeElement))
            throw new SafetensorsFormatException($"Tensor '{name}' has no \"dtype\".");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException($"Tensor '{name}' has a \"dtype\" that is a JSON {Describe(dtypeElement.ValueKind)}, not a string.");
        var dtype = dtypeElement.GetString()!;

        if (!value.TryGetProperty("shape", out var shapeElement))
            throw new SafetensorsFormatException($"Tensor '{name}' has no \"shape\".");
        var shape = ParseShape(name, shapeElement);

        if (!value.TryGetProperty("data_offsets", out var offsetsElement))
            throw new SafetensorsFormatException($"Tensor '{name}' has no \"data_offsets\".");
        var (begin, end) = ParseOffsets(name, offsetsElement);

        if (!SafetensorsDtype.TryGetElementSize(dtype, out var elementSize))
            throw new SafetensorsFormatException($"Tensor '{name}' has dtype {dtype}; Portal reads {SafetensorsDtype.Supported} tensors only.");

        long elementCount;
        try
        {
            elementCount = shape.Aggregate(1L, (a, b) => checked(a * b));
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException($"Tensor '{name}' has shape [{string.Join(',', shape)}], whose element count overflows.");
        }
        if (elementCount > Array.MaxLength)
            throw new SafetensorsFormatException($"Tensor '{name}' has shape [{string.Join(',', shape)}]: {elementCount} values, more than one float32 array can hold ({Array.MaxLength}).");

        var expectedBytes = elementCount * elementSize;
        if (end - begin != expectedBytes)
            throw new SafetensorsFormatException(
                $"Tensor '{name}' of dtype {dtype} and shape [{string.Join(',', shape)}] needs {elementCount} × {elementSize} = {expectedBytes} bytes, " +
                $"but its data_offsets [{begin}, {end}] span {end - begin} bytes.");

        return new SafetensorsEntry(name, dtype, shape, (int)elementCount, begin, end);
    }

    private static int[] ParseShape(string name, JsonElement shapeElement)
    {
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException($"Tensor '{name}' has a \"shape\" that is a JSON {Describe(shapeElement.ValueKind)}, not an array of dimensions.");
        var shape = new int[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out var size) || size < 0)
                throw new SafetensorsFormatException($"Tensor '{name}' has shape dimension {i} = {dimension.GetRawText()}; dimensions are integers from 0 to {int.MaxValue}.");
            shape[i++] = size;
        }
        return shape;
    }

    private static (long Begin, long End) ParseOffsets(string name, JsonElement offsetsElement)
    {
        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
            throw new SafetensorsFormatException($"Tensor '{name}' has \"data_offsets\" {offsetsElement.GetRawText()}; expected [begin, end].");
        var begin = ParseOffset(name, offsetsElement[0]);
        var end = ParseOffset(name, offsetsElement[1]);
        if (end < begin)
            throw new SafetensorsFormatException($"Tensor '{name}' has data_offsets [{begin}, {end}]: the end comes before the begin.");
        return (begin, end);
    }

    private static long ParseOffset(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var offset) || offset < 0)
            throw new SafetensorsFormatException($"Tensor '{name}' has data offset {element.GetRawText()}; offsets are non-negative integers.");
        return offset;
    }

    /// <summary>Checks that the byte ranges, in offset order, follow each other from 0; returns where the last one ends.</summary>
    private static long CheckTiling(IReadOnlyList<SafetensorsEntry> byOffset)
    {
        long position = 0;
        SafetensorsEntry? previous = null;
        foreach (var entry in byOffset)
        {
            if (entry.Begin > position)
                throw new SafetensorsFormatException(previous is null
                    ? $"Data bytes [0, {entry.Begin}) belong to no tensor: the first tensor, '{entry.Name}', starts at byte {entry.Begin}."
                    : $"Data bytes [{position}, {entry.Begin}) belong to no tensor: a gap between tensor '{previous.Name}' (ends at {position}) and tensor '{entry.Name}' (starts at {entry.Begin}).");
            if (entry.Begin < position)
                throw new SafetensorsFormatException(
                    $"Tensor '{entry.Name}' (data_offsets [{entry.Begin}, {entry.End}]) overlaps tensor '{previous!.Name}' (data_offsets [{previous.Begin}, {previous.End}]).");
            position = entry.End;
            previous = entry;
        }
        return position;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
