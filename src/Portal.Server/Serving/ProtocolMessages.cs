using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Portal.Server.Serving;

// The Open Inference Protocol v2 messages as the API description shows them. The /v2 handlers read and write these
// shapes with Utf8JsonReader/Utf8JsonWriter directly (no per-request objects); InferenceProtocolDocumentTests
// checks the served answers against these shapes.

/// <summary>POST /v2/models/{name}/infer.</summary>
public sealed record ProtocolInferenceRequest(
    [property: Description("Echoed in the answer.")] string? Id,
    [property: Description("Exactly one tensor: the model's input, as named by GET /v2/models/{name}.")] IReadOnlyList<ProtocolInputTensor> Inputs,
    [property: Description("Optional; only the model's one output can be asked for.")] IReadOnlyList<ProtocolRequestedOutput>? Outputs = null);

public sealed record ProtocolInputTensor(
    [property: Description("The model's input name.")] string Name,
    [property: Description("Rows first, then the sample's dimensions as GET /v2/models/{name} gives them (-1 there is any size).")] IReadOnlyList<long> Shape,
    [property: Description("FP32: the models served take 32-bit floats.")] string Datatype,
    [property: Description("The values in row-major order, as a flat array or nested arrays of the shape.")] IReadOnlyList<float> Data);

public sealed record ProtocolRequestedOutput([property: Description("An output's name.")] string Name);

public sealed record ProtocolInferenceResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version"), Description("The version that answered: the alias's holder or its canary.")] string ModelVersion,
    [property: Description("The request's id, when it gave one.")] string? Id,
    IReadOnlyList<ProtocolOutputTensor> Outputs);

public sealed record ProtocolOutputTensor(
    string Name,
    [property: Description("Rows first, as many as the request sent.")] IReadOnlyList<long> Shape,
    [property: Description("FP32.")] string Datatype,
    [property: Description("The values in row-major order, flat.")] IReadOnlyList<float> Data);

public sealed record ProtocolServerMetadata(
    string Name,
    string Version,
    IReadOnlyList<string> Extensions,
    [property: JsonPropertyName("execution_provider"), Description("The portal's extension: the device inference sessions run on, and why.")]
    ProtocolExecutionProvider ExecutionProvider);

public sealed record ProtocolExecutionProvider(
    [property: Description("cpu or cuda.")] string Device,
    string Reason);

public sealed record ProtocolModelMetadata(
    string Name,
    [property: Description("Every version the model's aliases serve, canaries included.")] IReadOnlyList<string> Versions,
    [property: Description("onnxruntime_onnx.")] string Platform,
    [property: Description("The alias this answer describes (the portal's extension).")] string Alias,
    [property: JsonPropertyName("served_version"), Description("The version the alias sends requests to (the portal's extension).")] string ServedVersion,
    IReadOnlyList<ProtocolTensorMetadata> Inputs,
    IReadOnlyList<ProtocolTensorMetadata> Outputs);

public sealed record ProtocolTensorMetadata(
    string Name,
    [property: Description("A protocol datatype: FP32, INT64, …")] string Datatype,
    [property: Description("-1 for a dimension of any size (the rows).")] IReadOnlyList<long> Shape);

public sealed record ProtocolModelReadiness(string Name, bool Ready);

public sealed record ProtocolServerReadiness(bool Ready);

public sealed record ProtocolServerLiveness(bool Live);

/// <summary>Every /v2 refusal: <c>{"error": "…"}</c> naming what is wrong.</summary>
public sealed record ProtocolError(string Error);
