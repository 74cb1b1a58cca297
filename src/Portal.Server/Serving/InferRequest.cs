using System.Buffers;
using System.Text.Json;

namespace Portal.Server.Serving;

/// <summary>
/// An Open Inference Protocol v2 request body, read in one pass: the structure with <see cref="Utf8JsonReader"/>,
/// each input's <c>data</c> straight into a pooled float buffer (flat or nested arrays) by <see cref="TensorDataScanner"/>,
/// nothing else kept but names, shapes and datatypes. Dispose returns the buffers.
/// </summary>
internal sealed class InferRequest : IDisposable
{
    public string? Id { get; private set; }
    public List<RequestedInput> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];

    /// <param name="json">The body; the data arrays' bytes are overwritten while they are read (see <see cref="TensorDataScanner"/>).</param>
    public static InferRequest Parse(Span<byte> json)
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
                    while (Next(ref reader) == JsonTokenType.StartObject) request.Inputs.Add(RequestedInput.Read(ref body, request.Inputs.Count));
                    if (reader.TokenType != JsonTokenType.EndArray) throw Invalid($"Each element of \"inputs\" must be an object, not {Describe(reader.TokenType)}.");
                }
                else if (reader.ValueTextEquals("outputs"u8))
                {
                    Expect(ref reader, JsonTokenType.StartArray, "\"outputs\" must be an array of {\"name\": …} objects");
                    while (Next(ref reader) == JsonTokenType.StartObject) request.Outputs.Add(ReadOutput(ref reader, request.Outputs.Count));
                    if (reader.TokenType != JsonTokenType.EndArray) throw Invalid($"Each element of \"outputs\" must be an object, not {Describe(reader.TokenType)}.");
                }
                else
                {
                    // "parameters" and anything else a client adds: read past it.
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

    private static string ReadOutput(ref Utf8JsonReader reader, int index)
    {
        string? name = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                Next(ref reader);
                name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Invalid($"outputs[{index}].name must be a string.");
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        return name ?? throw Invalid($"outputs[{index}] has no \"name\".");
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

/// <summary>One tensor of <c>inputs</c>: name, shape, datatype, and its values in a pooled buffer.</summary>
internal sealed class RequestedInput : IDisposable
{
    private const int MaxRank = 16;

    public string Name { get; private set; } = "";
    public string? Datatype { get; private set; }
    public long[]? Shape { get; private set; }
    public float[] Data { get; private set; } = [];
    public int Count { get; private set; }
    public bool HasData { get; private set; }

    public string ShapeText => Shape is null ? "(none)" : $"[{string.Join(',', Shape)}]";

    public static RequestedInput Read(ref BodyCursor body, int index)
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
                    input.ReadData(ref body, name ?? $"inputs[{index}]");
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

    private void ReadData(ref BodyCursor body, string what)
    {
        if (HasData) throw InferRequest.Invalid($"Input '{what}' has \"data\" twice.");
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
