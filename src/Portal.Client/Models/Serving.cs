using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Client.Models;

/// <summary>An Open Inference Protocol v2 request: named input tensors, row-major data, and optionally the outputs wanted.</summary>
public sealed record InferenceRequest(
    [property: JsonPropertyName("inputs")] IReadOnlyList<InferenceTensor> Inputs,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null)
{
    /// <summary>The outputs to return, in this order; all of them when null.</summary>
    [JsonPropertyName("outputs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<InferenceRequestedOutput>? Outputs { get; init; }
}

/// <summary>An output asked for by name; with <see cref="Parameters"/>, e.g. the classification extension's top k classes.</summary>
public sealed record InferenceRequestedOutput([property: JsonPropertyName("name")] string Name)
{
    [JsonPropertyName("parameters"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public InferenceOutputParameters? Parameters { get; init; }
}

/// <summary>
/// An output's parameters: <c>classification</c> asks for each row's top k classes, answered as BYTES [rows, k] of
/// <c>probability:index:name</c> (Triton's classification extension).
/// </summary>
public sealed record InferenceOutputParameters(
    [property: JsonPropertyName("classification"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Classification = null);

/// <summary>
/// A tensor of the protocol: <c>datatype</c> is one of BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64, BF16, BYTES;
/// <c>data</c> is row-major (flat in answers). An output that came as binary tensor data has <see cref="Binary"/> instead.
/// </summary>
public sealed record InferenceTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("data")] JsonElement Data)
{
    /// <summary>The tensor's bytes when it came as binary tensor data (<see cref="InferenceClient.InferBinary"/>), else null.</summary>
    [JsonIgnore]
    public byte[]? Binary { get; init; }

    /// <summary>A tensor of <paramref name="values"/> (row-major), its datatype from their type unless given (BF16 takes float values).</summary>
    public static InferenceTensor Create<T>(string name, IReadOnlyList<long> shape, T[] values, string? datatype = null) =>
        new(name, shape, datatype ?? InferenceDatatypes.Of<T>(), JsonSerializer.SerializeToElement(values, Http.PortalHttp.Json));

    /// <summary>The data as numbers (FP32/FP64/INT* tensors).</summary>
    public double[] Values() => Binary is null ? [.. Data.EnumerateArray().Select(v => v.GetDouble())] : ValuesAs<double>();

    /// <summary>
    /// The values as <typeparamref name="T"/>: long for INT64, bool for BOOL, string for BYTES, Half or float for
    /// FP16, float for BF16, and so on; any numeric type converts from JSON numbers.
    /// </summary>
    public T[] ValuesAs<T>() => Binary is { } bytes
        ? InferenceDatatypes.Decode<T>(Datatype, bytes, Name)
        : Data.Deserialize<T[]>(Http.PortalHttp.Json) ?? [];
}

public sealed record InferenceResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string? ModelVersion,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("outputs")] IReadOnlyList<InferenceTensor> Outputs);

/// <summary>GET /v2/models/{name}: what a served model takes and gives (a shape's -1 is the batch).</summary>
public sealed record InferenceModelMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] IReadOnlyList<string>? Versions,
    [property: JsonPropertyName("platform")] string? Platform,
    [property: JsonPropertyName("inputs")] IReadOnlyList<InferenceTensorMetadata> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<InferenceTensorMetadata> Outputs)
{
    /// <summary>The alias the request went through (the portal's extension of the protocol).</summary>
    [JsonPropertyName("alias")]
    public string? Alias { get; init; }

    /// <summary>The version that answered (the portal's extension of the protocol).</summary>
    [JsonPropertyName("served_version")]
    public string? ServedVersion { get; init; }

    /// <summary>
    /// The portal's parameters: <c>batching</c> (the rule that applies), <c>text_input</c> when the version takes raw
    /// texts in place of its token ids, <c>classifier_output</c> and <c>classes</c> when it has class names.
    /// </summary>
    [JsonPropertyName("parameters")]
    public JsonElement? Parameters { get; init; }

    /// <summary>Whether the served version takes raw texts (its file carries its tokenizer).</summary>
    [JsonIgnore]
    public bool TakesText => Parameters is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("text_input", out _);

    /// <summary>The output that holds the class scores, when the version has class names; else null.</summary>
    [JsonIgnore]
    public string? ClassifierOutput => Parameters is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("classifier_output", out var name) ? name.GetString() : null;

    /// <summary>The version's class names by index; empty when it has none.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Classes => Parameters is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("classes", out var classes)
        ? [.. classes.EnumerateArray().Select(c => c.GetString() ?? "")]
        : [];
}

/// <summary>One of a text's top classes: its index, its name, and its probability.</summary>
public sealed record ClassProbability(int Index, string Name, double Probability);

/// <summary>A text's predicted class (the most probable) with its index and probability, and its top classes, the most probable first.</summary>
public sealed record TextPrediction(string Text, string Class, int ClassIndex, double Probability, IReadOnlyList<ClassProbability> Top);

/// <summary>GET /v2: the server's name, version and protocol extensions.</summary>
public sealed record InferenceServerMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("extensions")] IReadOnlyList<string> Extensions)
{
    /// <summary>Where the server's sessions run and why (the portal's extension of the protocol).</summary>
    [JsonPropertyName("execution_provider")]
    public InferenceExecutionProvider? ExecutionProvider { get; init; }
}

/// <summary>The device a portal's ONNX Runtime sessions run on (<c>cuda</c> or <c>cpu</c>) and the reason, e.g. why not CUDA.</summary>
public sealed record InferenceExecutionProvider(
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("reason")] string Reason);

public sealed record InferenceTensorMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape);
