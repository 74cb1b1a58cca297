using System.Buffers;
using System.Text.Json;

namespace Portal.Server.Serving;

/// <summary>
/// An Open Inference Protocol v2 request body, read in one pass: the structure with <see cref="Utf8JsonReader"/>,
/// each input's <c>data</c> either straight into a pooled float buffer (flat or nested arrays) by
/// <see cref="TensorDataScanner"/>, for a model whose one input is FP32, or kept as its JSON text to be read as
/// the declared datatype (<see cref="ProtocolTensorReader"/>). Nothing else is kept but names, shapes, datatypes
/// and the binary tensor data extension's parameters. Dispose returns the buffers.
/// </summary>
internal sealed class InferRequest : IDisposable
{
    public string? Id { get; private set; }
    public List<RequestedInput> Inputs { get; } = [];
    public List<RequestedOutput> Outputs { get; } = [];

    /// <summary>The request's <c>parameters.binary_data_output</c>: every output in binary unless it says otherwise.</summary>
    public bool BinaryOutputs { get; private set; }

    /// <param name="json">The body's JSON; the data arrays' bytes are overwritten while they are read (see <see cref="TensorDataScanner"/>).</param>
    /// <param name="floatData">Read <c>data</c> as FP32 values (the model's one input is FP32), or keep it to read as its datatype.</param>
    public static InferRequest Parse(Span<byte> json, bool floatData = true)
    {
        var request = new InferRequest();
        try
        {
            var body = new BodyCursor(json);
            ref var reader = ref body.Reader;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Invalid("The request body must be a JSON object with \"inputs\".");
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    Next(ref reader);
                    request.Id = reader.TokenType == JsonTokenType.String ? reader.GetString()
                        : throw Invalid($"\"id\" must be a string, not {Describe(reader.TokenType)}.");
                }
                else if (reader.ValueTextEquals("inputs"u8))
                {
                    Expect(ref reader, JsonTokenType.StartArray, "\"inputs\" must be an array of tensors");
                    while (Next(ref reader) == JsonTokenType.StartObject) request.Inputs.Add(RequestedInput.Read(ref body, request.Inputs.Count, floatData));
                    if (reader.TokenType != JsonTokenType.EndArray) throw Invalid($"Each element of \"inputs\" must be an object, not {Describe(reader.TokenType)}.");
                }
                else if (reader.ValueTextEquals("outputs"u8))
                {
                    Expect(ref reader, JsonTokenType.StartArray, "\"outputs\" must be an array of {\"name\": …} objects");
                    while (Next(ref reader) == JsonTokenType.StartObject) request.Outputs.Add(ReadOutput(ref reader, request.Outputs.Count));
                    if (reader.TokenType != JsonTokenType.EndArray) throw Invalid($"Each element of \"outputs\" must be an object, not {Describe(reader.TokenType)}.");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    request.BinaryOutputs = ReadParameters(ref reader, "The request's", "binary_data_output"u8, "binary_data_output") ?? false;
                }
                else
                {
                    // Anything else a client adds: read past it.
                    Next(ref reader);
                    reader.Skip();
                }
            }
            if (request.Inputs.Count == 0) throw Invalid("The request has no \"inputs\".");
            return request;
        }
        catch (JsonException e)
        {
            request.Dispose();
            throw Invalid($"The request body is not valid JSON: {e.Message}");
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    private static RequestedOutput ReadOutput(ref Utf8JsonReader reader, int index)
    {
        string? name = null;
        bool? binary = null;
        int? classification = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                Next(ref reader);
                name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Invalid($"outputs[{index}].name must be a string.");
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                (binary, classification) = ReadOutputParameters(ref reader, $"outputs[{index}]");
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        return new RequestedOutput(name ?? throw Invalid($"outputs[{index}] has no \"name\"."), binary, classification);
    }

    /// <summary>
    /// An output's <c>parameters</c>: the binary tensor data extension's <c>binary_data</c> and the classification
    /// extension's <c>classification</c> (how many top classes); others are read past.
    /// </summary>
    private static (bool? Binary, int? Classification) ReadOutputParameters(ref Utf8JsonReader reader, string owner)
    {
        if (Next(ref reader) == JsonTokenType.Null) return (null, null);
        if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"{owner} \"parameters\" must be an object, not {Describe(reader.TokenType)}.");
        bool? binary = null;
        int? classification = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("binary_data"u8))
            {
                Next(ref reader);
                binary = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw Invalid($"{owner} parameters.binary_data must be true or false, not {Describe(reader.TokenType)}."),
                };
            }
            else if (reader.ValueTextEquals("classification"u8))
            {
                Next(ref reader);
                classification = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var k) ? k
                    : throw Invalid($"{owner} parameters.classification must be a whole number of classes, not {(reader.TokenType == JsonTokenType.Number ? System.Text.Encoding.UTF8.GetString(reader.ValueSpan) : Describe(reader.TokenType))}.");
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        return (binary, classification);
    }

    /// <summary>Reads a <c>parameters</c> object for its one boolean the extension defines; others are read past.</summary>
    private static bool? ReadParameters(ref Utf8JsonReader reader, string owner, ReadOnlySpan<byte> key, string keyText)
    {
        if (Next(ref reader) == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"{owner} \"parameters\" must be an object, not {Describe(reader.TokenType)}.");
        bool? value = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var matches = reader.ValueTextEquals(key);
            Next(ref reader);
            if (!matches)
            {
                reader.Skip();
                continue;
            }
            value = reader.TokenType switch
            {
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                _ => throw Invalid($"{owner} parameters.{keyText} must be true or false, not {Describe(reader.TokenType)}."),
            };
        }
        return value;
    }

    internal static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw Invalid("The request body ends before its JSON is complete.");
        return reader.TokenType;
    }

    internal static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string message)
    {
        if (Next(ref reader) != type) throw Invalid($"{message}, not {Describe(reader.TokenType)}.");
    }

    internal static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    internal static ServingException Invalid(string message) => new(StatusCodes.Status400BadRequest, message);

    public void Dispose()
    {
        foreach (var input in Inputs) input.Dispose();
        Inputs.Clear();
    }
}

/// <summary>One of <c>outputs</c>: its name, and its <c>parameters.binary_data</c> and <c>parameters.classification</c> when given.</summary>
internal sealed record RequestedOutput(string Name, bool? Binary, int? Classification = null);

/// <summary>
/// One tensor of <c>inputs</c>: name, shape, datatype, and its values: FP32 values in a pooled buffer
/// (<see cref="Data"/>), or the JSON text of <c>data</c> (<see cref="Json"/>), or its bytes after the JSON header
/// (<see cref="Binary"/>, with <c>parameters.binary_data_size</c>).
/// </summary>
internal sealed class RequestedInput : IDisposable
{
    private const int MaxRank = 16;

    public string Name { get; private set; } = "";
    public string? Datatype { get; private set; }
    public long[]? Shape { get; private set; }
    public float[] Data { get; private set; } = [];
    public int Count { get; private set; }
    public bool HasData { get; private set; }

    /// <summary>The <c>data</c> array's JSON, when it was not read as FP32 values.</summary>
    public byte[]? Json { get; private set; }

    /// <summary>The input's <c>parameters.binary_data_size</c>: its values are that many bytes after the JSON header.</summary>
    public long? BinarySize { get; private set; }

    /// <summary>The input's bytes after the JSON header, once <see cref="ProtocolBody"/> has placed them.</summary>
    public ReadOnlyMemory<byte> Binary { get; private set; }

    public string ShapeText => Shape is null ? "(none)" : $"[{string.Join(',', Shape)}]";

    /// <summary>Gives a binary input its bytes; FP32 bytes of a request read as FP32 values become <see cref="Data"/>.</summary>
    public void PlaceBinary(ReadOnlyMemory<byte> bytes, bool floatData)
    {
        Binary = bytes;
        if (!floatData || Datatype != "FP32") return;
        if (bytes.Length % sizeof(float) != 0)
            throw InferRequest.Invalid($"Input '{Name}' has binary_data_size {bytes.Length}, which is not a whole number of FP32 values (4 bytes each).");
        Data = ArrayPool<float>.Shared.Rent(Math.Max(1, bytes.Length / sizeof(float)));
        Count = bytes.Length / sizeof(float);
        bytes.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Data.AsSpan()));
        HasData = true;
    }

    public static RequestedInput Read(ref BodyCursor body, int index, bool floatData)
    {
        var input = new RequestedInput();
        ref var reader = ref body.Reader;
        try
        {
            string? name = null;
            while (InferRequest.Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    InferRequest.Next(ref reader);
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw InferRequest.Invalid($"inputs[{index}].name must be a string, not {InferRequest.Describe(reader.TokenType)}.");
                }
                else if (reader.ValueTextEquals("datatype"u8))
                {
                    InferRequest.Next(ref reader);
                    input.Datatype = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw InferRequest.Invalid($"inputs[{index}].datatype must be a string such as \"FP32\", not {InferRequest.Describe(reader.TokenType)}.");
                }
                else if (reader.ValueTextEquals("shape"u8))
                {
                    input.Shape = ReadShape(ref reader, name ?? $"inputs[{index}]");
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    // Texts are strings whatever the model's input is; a text model's input is never FP32.
                    input.ReadData(ref body, name ?? $"inputs[{index}]", floatData && name != Portal.Engine.Inference.TextInput.Name);
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    input.BinarySize = ReadBinarySize(ref reader, name ?? $"inputs[{index}]");
                }
                else
                {
                    InferRequest.Next(ref reader);
                    reader.Skip();
                }
            }
            input.Name = name ?? throw InferRequest.Invalid($"inputs[{index}] has no \"name\".");
            return input;
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string what)
    {
        InferRequest.Expect(ref reader, JsonTokenType.StartArray, $"The shape of input '{what}' must be an array of integers");
        Span<long> dims = stackalloc long[MaxRank];
        var rank = 0;
        while (InferRequest.Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var dim))
                throw InferRequest.Invalid($"The shape of input '{what}' must hold whole numbers; element {rank} is {InferRequest.Describe(reader.TokenType)}{(reader.TokenType == JsonTokenType.Number ? $" ({reader.GetDouble()})" : "")}.");
            if (rank == MaxRank) throw InferRequest.Invalid($"The shape of input '{what}' has more than {MaxRank} dimensions.");
            dims[rank++] = dim;
        }
        return dims[..rank].ToArray();
    }

    private static long? ReadBinarySize(ref Utf8JsonReader reader, string what)
    {
        if (InferRequest.Next(ref reader) == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw InferRequest.Invalid($"The parameters of input '{what}' must be an object, not {InferRequest.Describe(reader.TokenType)}.");
        long? size = null;
        while (InferRequest.Next(ref reader) == JsonTokenType.PropertyName)
        {
            var matches = reader.ValueTextEquals("binary_data_size"u8);
            InferRequest.Next(ref reader);
            if (!matches)
            {
                reader.Skip();
                continue;
            }
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var bytes) || bytes < 0)
                throw InferRequest.Invalid($"Input '{what}' has parameters.binary_data_size {(reader.TokenType == JsonTokenType.Number ? reader.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture) : InferRequest.Describe(reader.TokenType))}; it must be a whole number of bytes, 0 or more.");
            size = bytes;
        }
        return size;
    }

    private void ReadData(ref BodyCursor body, string what, bool floatData)
    {
        if (HasData || Json is not null) throw InferRequest.Invalid($"Input '{what}' has \"data\" twice.");
        if (!floatData)
        {
            Json = TensorDataScanner.Capture(ref body, what);
            return;
        }
        HasData = true;
        Data = ArrayPool<float>.Shared.Rent(1024);
        var data = Data;
        Count = TensorDataScanner.Read(ref body, what, ref data);
        Data = data;
    }

    public void Dispose()
    {
        if (Data.Length > 0) ArrayPool<float>.Shared.Return(Data);
        Data = [];
    }
}
