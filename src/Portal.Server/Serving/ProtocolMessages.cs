using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Portal.Server.Serving;

// The Open Inference Protocol v2 messages as the API description shows them. The /v2 handlers read and write these
// shapes with Utf8JsonReader/Utf8JsonWriter directly (no per-request objects); InferenceProtocolDocumentTests
// checks the served answers against these shapes.

/// <summary>POST /v2/models/{name}/infer.</summary>
public sealed record ProtocolInferenceRequest(
    [property: Description("Echoed in the answer.")] string? Id,
    [property: Description("Every input of the model, once each, as named by GET /v2/models/{name}.")] IReadOnlyList<ProtocolInputTensor> Inputs,
    [property: Description("Optional: the outputs to return, in this order; all of them when absent.")] IReadOnlyList<ProtocolRequestedOutput>? Outputs = null,
    [property: Description("Optional: binary_data_output (bool) returns every output as binary tensor data unless an output says otherwise.")] ProtocolRequestParameters? Parameters = null);

public sealed record ProtocolRequestParameters(
    [property: JsonPropertyName("binary_data_output"), Description("Return every output as binary tensor data.")] bool? BinaryDataOutput = null);

public sealed record ProtocolInputTensor(
    [property: Description("The model's input name.")] string Name,
    [property: Description("The tensor's shape; GET /v2/models/{name} gives -1 where any size is taken.")] IReadOnlyList<long> Shape,
    [property: Description("The input's datatype as GET /v2/models/{name} gives it: BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64, BF16 or BYTES.")] string Datatype,
    [property: Description("The values in row-major order, as a flat array or nested arrays of the shape: numbers (FP16 and BF16 too), true/false for BOOL, "
        + "UTF-8 strings for BYTES. Absent when parameters.binary_data_size sends them as binary tensor data after the JSON.")] IReadOnlyList<object>? Data,
    [property: Description("Optional: binary_data_size, the bytes of this tensor after the JSON (with the Inference-Header-Content-Length header).")] ProtocolTensorParameters? Parameters = null);

public sealed record ProtocolTensorParameters(
    [property: JsonPropertyName("binary_data_size"), Description("The bytes of this tensor's binary data: little-endian values; BOOL one byte; BYTES a 4-byte little-endian length before each element.")] long? BinaryDataSize = null);

public sealed record ProtocolRequestedOutput(
    [property: Description("An output's name.")] string Name,
    [property: Description("Optional: binary_data (bool) returns this output as binary tensor data.")] ProtocolOutputParameters? Parameters = null);

public sealed record ProtocolOutputParameters(
    [property: JsonPropertyName("binary_data"), Description("Return this output as binary tensor data.")] bool? BinaryData = null);

public sealed record ProtocolInferenceResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version"), Description("The version that answered: the alias's holder or its canary.")] string ModelVersion,
    [property: Description("The request's id, when it gave one.")] string? Id,
    IReadOnlyList<ProtocolOutputTensor> Outputs);

public sealed record ProtocolOutputTensor(
    string Name,
    [property: Description("The output's shape for this request (rows first when the model has a batch dimension).")] IReadOnlyList<long> Shape,
    [property: Description("The output's datatype, as GET /v2/models/{name} gives it.")] string Datatype,
    [property: Description("The values in row-major order, flat; absent for an output sent as binary tensor data.")] IReadOnlyList<object>? Data,
    [property: Description("binary_data_size for an output sent as binary tensor data after the JSON; Inference-Header-Content-Length gives the JSON's length.")] ProtocolTensorParameters? Parameters = null);

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
    IReadOnlyList<ProtocolTensorMetadata> Outputs,
    [property: Description("batching: whether concurrent requests are merged into one batch and which rule decides it (the portal's extension).")]
    ProtocolModelParameters Parameters);

public sealed record ProtocolModelParameters(
    [property: Description("\"on: passed the batch independence check (…)\", \"off: failed the batch independence check: …\", or forced on by an owner.")] string Batching);

public sealed record ProtocolTensorMetadata(
    string Name,
    [property: Description("A protocol datatype: FP32, INT64, …")] string Datatype,
    [property: Description("-1 for a dimension of any size (the rows).")] IReadOnlyList<long> Shape);

public sealed record ProtocolModelReadiness(string Name, bool Ready);

public sealed record ProtocolServerReadiness(bool Ready);

public sealed record ProtocolServerLiveness(bool Live);

/// <summary>Every /v2 refusal: <c>{"error": "…"}</c> naming what is wrong.</summary>
public sealed record ProtocolError(string Error);
