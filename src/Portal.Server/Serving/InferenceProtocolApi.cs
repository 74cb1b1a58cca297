using System.Buffers;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Portal.Server.Api.OpenApi;
using Portal.Server.Auth;

namespace Portal.Server.Serving;

/// <summary>
/// The Open Inference Protocol v2 (KServe / Triton REST) under <c>/v2</c>, and the Prometheus text at <c>/metrics</c>.
/// Health is public (load balancers probe it without keys); everything else takes at least a Viewer: server and
/// model metadata, readiness, inference, and /metrics (scrape with a Viewer's API key). <c>{name}</c> is a
/// registered model, served through its <c>production</c> alias unless <c>?alias=</c> or a version says otherwise.
/// Errors are the protocol's <c>{"error": "…"}</c>.
/// </summary>
public static class InferenceProtocolApi
{
    public const string DefaultAlias = "production";

    public const string Prefix = "/v2";

    private static readonly JsonWriterOptions s_writer = new() { SkipValidation = true };
    private static readonly string s_version = typeof(InferenceProtocolApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    public static IEndpointRouteBuilder MapInferenceProtocol(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup(Prefix).WithTags("Inference (Open Inference Protocol v2)");
        // As a Delegate, not a RequestDelegate: only a Delegate's endpoint is described in the OpenAPI document.
        v2.MapGet("/health/live", (Delegate)Live).AllowAnonymous()
            .WithSummary("Is the server alive")
            .WithDescription("200 while the process answers at all; for a liveness probe. No key needed.")
            .Produces<ProtocolServerLiveness>();
        v2.MapGet("/health/ready", Ready).AllowAnonymous()
            .WithSummary("Is the server ready")
            .WithDescription("200 once every deployment known at start-up has loaded (or failed to load), 503 before; for a readiness probe. No key needed.")
            .Produces<ProtocolServerReadiness>().Produces<ProtocolServerReadiness>(StatusCodes.Status503ServiceUnavailable);
        var viewer = PortalRoles.AtLeast(PortalRoles.Viewer);
        v2.MapGet("/", ServerMetadata).RequireAuthorization(viewer)
            .WithSummary("Server metadata")
            .WithDescription("The server's name and version, its protocol extensions (`binary_tensor_data`), and the device ONNX Runtime sessions run on and why (`execution_provider`, the portal's extension).")
            .Produces<ProtocolServerMetadata>();
        v2.MapGet("/models/{name}", (HttpContext c, string name) => ModelMetadata(c, name, null)).RequireAuthorization(viewer)
            .WithSummary("Model metadata")
            .WithDescription("Every input and output tensor (name, datatype, shape with -1 for each dynamic dimension) of the version the model's alias serves: "
                + "`production` unless `?alias=` names another. Send exactly this input to infer. `parameters` says which batching rule applies, "
                + "`text_input` when the version takes raw texts in place of its token ids, and `classes` (with `classifier_output`) when it has class names.")
            .Produces<ProtocolModelMetadata>().WithProtocolErrors(StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        v2.MapGet("/models/{name}/versions/{version}", (HttpContext c, string name, string version) => ModelMetadata(c, name, version)).RequireAuthorization(viewer)
            .WithSummary("Model version metadata")
            .WithDescription("The input and output tensors of version `version`, which must be served: the holder or the canary of one of the model's aliases.")
            .Produces<ProtocolModelMetadata>().WithProtocolErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        v2.MapGet("/models/{name}/ready", (HttpContext c, string name) => ModelReady(c, name, null)).RequireAuthorization(viewer)
            .WithSummary("Is a model ready")
            .WithDescription("200 when the model's alias (`production` unless `?alias=` names another) has a loaded version to answer with; "
                + "404 when it is not served, 503 while its version is loading or failed to load, each with the reason.")
            .Produces<ProtocolModelReadiness>().WithProtocolErrors(StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        v2.MapGet("/models/{name}/versions/{version}/ready", (HttpContext c, string name, string version) => ModelReady(c, name, version)).RequireAuthorization(viewer)
            .WithSummary("Is a model version ready")
            .WithDescription("200 when version `version` is loaded and served by one of the model's aliases (as holder or canary); 404 otherwise.")
            .Produces<ProtocolModelReadiness>().WithProtocolErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        v2.MapPost("/models/{name}/infer", (HttpContext c, string name) => Infer(c, name, null))
            .RequireAuthorization(viewer).WithMetadata(new OwnBodyLimit())
            .WithSummary("Run inference")
            .WithDescription("Runs the input tensors through the version the model's alias serves (`production` unless `?alias=` names "
                + "another; with a canary, its share of requests goes to the canary version) and answers the output tensors asked for in `outputs`, "
                + "or all of them. Every input's name, datatype and shape must match GET /v2/models/{name}; `data` is row-major, flat or nested "
                + "(BOOL as true/false, BYTES as UTF-8 strings, FP16/BF16 as numbers). A model of one FP32 input [rows, …] has the requests that "
                + "arrive together batched when only its first output is wanted and its rows are independent of each other (model metadata's "
                + "`parameters.batching` says which rule applies; PUT /api/v1/deployments/{model}/{alias}/batching can force it); so are those of "
                + "any other model whose every input and output has the batch first and no input is BYTES, when their other dimensions agree "
                + "and they want the same outputs; other requests run one at a time. The binary tensor data extension is read and written: inputs with `parameters.binary_data_size` "
                + "after a JSON header of `Inference-Header-Content-Length` bytes, outputs asked for with `parameters.binary_data` (or the request's "
                + "`binary_data_output`) answered as application/octet-stream. A version that carries its tokenizer (model metadata's "
                + "`parameters.text_input`) also takes raw texts: one input `text`, BYTES [n] or [n,1], one UTF-8 string per row, in place of "
                + "its token ids, tokenized as training did; with no `outputs` named, a text request gets every output and, for a classifier "
                + "(`parameters.classes`), each text's most probable class as `class_index` (INT64 [n]), `probability` (FP32 [n], softmax of "
                + "the logits) and `class` (BYTES [n], its name). Any output [batch, classes] asked for with `parameters.classification: k` "
                + "comes back as Triton's classification extension writes it: BYTES [n, k] of `probability:index:name`. "
                + "Errors are the protocol's `{\"error\": …}`: 400 for a request "
                + "that does not fit the model (naming the tensor and the problem), 404 when the model or alias is not served, 413 above "
                + "Portal:Serving:MaxRequestBytes, 500 when an output asked for as JSON holds NaN or an infinity (JSON has no number for them; "
                + "binary tensor data carries them), 503 while loading or when the queue is full.")
            .Accepts<ProtocolInferenceRequest>("application/json", ProtocolBody.BinaryContentType).WithRequestExample(InferenceExample)
            .Produces<ProtocolInferenceResponse>()
            .WithProtocolErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status503ServiceUnavailable);
        v2.MapPost("/models/{name}/versions/{version}/infer", (HttpContext c, string name, string version) => Infer(c, name, version))
            .RequireAuthorization(viewer).WithMetadata(new OwnBodyLimit())
            .WithSummary("Run inference on a given version")
            .WithDescription("As POST /v2/models/{name}/infer, on version `version`, which must be served: the holder or the canary of one of the model's "
                + "aliases. The answer's model_version is always that version.")
            .Accepts<ProtocolInferenceRequest>("application/json", ProtocolBody.BinaryContentType).WithRequestExample(InferenceExample)
            .Produces<ProtocolInferenceResponse>()
            .WithProtocolErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status503ServiceUnavailable);
        // Scrapers present a Viewer's API key; a cookie challenge would redirect them to a sign-in page.
        app.MapPrometheusScrapingEndpoint("/metrics")
            .RequireAuthorization(new AuthorizeAttribute { Policy = viewer, AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName });
        return app;
    }

    /// <summary>Two rows for a model that takes 1×2×2 values per sample (fashion-mlp and fashion-cnn take 1×28×28).</summary>
    private static ProtocolInferenceRequest InferenceExample { get; } = new(
        "request-42", [new ProtocolInputTensor("input", [2, 1, 2, 2], "FP32", [0.1f, 0.7f, 0.2f, 0.9f, 0.4f, 0.3f, 0.8f, 0.5f])]);

    private static RouteHandlerBuilder WithProtocolErrors(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses) endpoint.Produces<ProtocolError>(status);
        return endpoint;
    }

    private static Task Live(HttpContext context) => WriteJson(context, 200, w => w.WriteBoolean("live", true));

    /// <summary>Not ready until the deployments are loaded, nor while storage refuses writes (then <c>reason</c> says why).</summary>
    private static async Task Ready(HttpContext context, DeploymentSet deployments, Persistence.StorageHealth storage)
    {
        var storageFault = await storage.Check(context.RequestAborted);
        var ready = deployments.StartedUp && storageFault is null;
        await WriteJson(context, ready ? 200 : 503, w =>
        {
            w.WriteBoolean("ready", ready);
            if (storageFault is not null) w.WriteString("reason", storageFault);
        });
    }

    /// <summary>The protocol's fields, and the portal's extension <c>execution_provider</c>: the device sessions run on and why.</summary>
    private static Task ServerMetadata(HttpContext context, ServingDevice device) => WriteJson(context, 200, w =>
    {
        w.WriteString("name", "portal");
        w.WriteString("version", s_version);
        w.WriteStartArray("extensions");
        w.WriteStringValue("binary_tensor_data");
        w.WriteEndArray();
        w.WriteStartObject("execution_provider");
        w.WriteString("device", device.Provider.Device);
        w.WriteString("reason", device.Provider.Reason);
        w.WriteEndObject();
    });

    private static async Task ModelMetadata(HttpContext context, string name, string? version)
    {
        ServedVersion served;
        try
        {
            served = Resolve(context, name, version);
        }
        catch (ServingException e)
        {
            await WriteError(context, e.Status, e.Message);
            return;
        }
        try
        {
            await WriteJson(context, 200, w =>
            {
                w.WriteString("name", name);
                w.WriteStartArray("versions");
                foreach (var d in Deployments(context).OfModel(name))
                {
                    foreach (var v in d.Current.Versions) w.WriteStringValue(v.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                w.WriteEndArray();
                w.WriteString("platform", "onnxruntime_onnx");
                w.WriteString("alias", served.Alias);
                w.WriteString("served_version", served.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Tensors(w, "inputs", served.Inputs);
                Tensors(w, "outputs", served.Outputs);
                w.WriteStartObject("parameters");
                w.WriteString("batching", served.Batching.Text);
                if (served.Text is not null)
                {
                    w.WriteStartObject("text_input");
                    w.WriteString("name", Portal.Engine.Inference.TextInput.Name);
                    w.WriteString("datatype", "BYTES");
                    w.WriteStartArray("shape");
                    w.WriteNumberValue(-1);
                    w.WriteEndArray();
                    w.WriteString("replaces", served.Text.TokenInputName);
                    w.WriteNumber("max_tokens", served.Text.MaximumLength);
                    w.WriteEndObject();
                }
                if (served.Classifier is { } classifier)
                {
                    w.WriteString("classifier_output", classifier.Name);
                    w.WriteStartArray("classes");
                    foreach (var c in served.ClassNames) w.WriteStringValue(c);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            });
        }
        finally
        {
            served.Release();
        }
    }

    private static async Task ModelReady(HttpContext context, string name, string? version)
    {
        try
        {
            Resolve(context, name, version).Release();
        }
        catch (ServingException e)
        {
            await WriteError(context, e.Status, e.Message);
            return;
        }
        await WriteJson(context, 200, w =>
        {
            w.WriteString("name", name);
            w.WriteBoolean("ready", true);
        });
    }

    internal static async Task Infer(HttpContext context, string name, string? version)
    {
        var started = Stopwatch.GetTimestamp();
        var options = context.RequestServices.GetRequiredService<IOptions<ServingOptions>>().Value;
        byte[]? body = null;
        InferRequest? request = null;
        ServedVersion? served = null;
        InferenceJob? job = null;
        try
        {
            int length;
            (body, length) = await ReadBody(context.Request, options.MaxRequestBytes);
            served = Resolve(context, name, version);
            var (jsonLength, hasHeader) = ProtocolBody.Split(context.Request, length);
            var floatData = served.Batched is not null;
            request = InferRequest.Parse(body.AsSpan(0, jsonLength), floatData);
            ProtocolBody.Place(request, body.AsMemory(jsonLength, length - jsonLength), hasHeader, floatData);
            var givesText = ProtocolInference.GivesText(served, request.Inputs.Select(i => i.Name));
            var declared = givesText ? [InputCheck.Text(request.Inputs[0], served)] : InputCheck.Signature(request, served);
            if (!givesText && IsPooled(request, served))
            {
                var rows = InputCheck.Rows(request, served);
                job = new InferenceJob(request.Inputs[0].Data, rows, rows * served.OutputWidth);
                try
                {
                    await served.Infer(job);
                }
                catch (ServingException e) when (e.Status >= 500)
                {
                    served.Failed(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    throw;
                }
                if (IsBinary(request, served.Output!.Name))
                {
                    var shape = new long[served.Output.Rank];
                    shape[0] = rows;
                    for (var d = 1; d < shape.Length; d++) shape[d] = served.Output.Dimensions[d].Size!.Value;
                    var tensor = Portal.Engine.Inference.InferenceTensor.Create(job.Output.AsMemory(0, job.OutputValues), shape);
                    await ProtocolResponse.Write(context, name, served.Number, request.Id, [new AnsweredOutput(served.Output.Name, tensor, Binary: true)]);
                }
                else
                {
                    await WriteOutputs(context, name, served, request.Id, job, rows);
                }
                served.Succeeded(rows, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
            else
            {
                var inputs = new Dictionary<string, Portal.Engine.Inference.InferenceTensor>(request.Inputs.Count, StringComparer.Ordinal);
                for (var i = 0; i < declared.Length; i++) inputs[request.Inputs[i].Name] = ProtocolTensorReader.Read(request.Inputs[i], declared[i]);
                InferenceAnswer answer;
                try
                {
                    answer = await ProtocolInference.Run(served, inputs, request.Outputs.ConvertAll(o => new OutputRequest(o.Name, o.Classification)));
                }
                catch (ServingException e) when (e.Status >= 500)
                {
                    served.Failed(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    throw;
                }
                await ProtocolResponse.Write(context, name, served.Number, request.Id, [.. answer.Outputs.Select(o => new AnsweredOutput(o.Name, o.Tensor, IsBinary(request, o.Name)))]);
                served.Succeeded(answer.Rows, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
        catch (ServingException e)
        {
            await WriteError(context, e.Status, e.Message);
        }
        finally
        {
            job?.ReturnOutput();
            request?.Dispose();
            served?.Release();
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>Whether the request fits the pooled FP32 path: the model has it, and only its output is wanted.</summary>
    private static bool IsPooled(InferRequest request, ServedVersion served) =>
        served.Batched is { } batched && (request.Outputs.Count == 0 ? served.Outputs.Count == 1 : request.Outputs.TrueForAll(o => o.Name == batched.OutputName && o.Classification is null));

    private static bool IsBinary(InferRequest request, string output)
    {
        foreach (var requested in request.Outputs)
        {
            if (requested.Name == output) return requested.Binary ?? request.BinaryOutputs;
        }
        return request.BinaryOutputs;
    }

    private const string LimitSetting = "the setting " + ServingOptions.Section + ":" + nameof(ServingOptions.MaxRequestBytes) + " raises it";

    /// <summary>The body into a pooled buffer, refused with 413 as soon as it passes the limit.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBody(HttpRequest request, long limit)
    {
        if (request.ContentLength is long declared && declared > limit)
            throw new ServingException(StatusCodes.Status413PayloadTooLarge, $"The request body is {declared} bytes; the limit is {limit} bytes ({LimitSetting}).");
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, request.ContentLength is long known ? known + 1 : 16 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length));
                if (read == 0) break;
                length += read;
                if (length > limit)
                    throw new ServingException(StatusCodes.Status413PayloadTooLarge, $"The request body is over the limit of {limit} bytes ({LimitSetting}).");
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// The version a request goes to, with a reference taken: by number when the URL names one (the holder or the
    /// canary of any alias of the model), else through <c>?alias=</c> (default production), canary split included.
    /// </summary>
    private static ServedVersion Resolve(HttpContext context, string name, string? version)
    {
        var deployments = Deployments(context);
        if (version is not null)
        {
            if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
                throw new ServingException(StatusCodes.Status400BadRequest, $"Version '{version}' is not a version number (1, 2, …).");
            foreach (var deployment in deployments.OfModel(name))
            {
                if (deployment.Acquire(number) is { } found) return found;
            }
            var served = deployments.OfModel(name).SelectMany(d => d.Current.Versions.Select(v => $"{v.Number} ({d.Alias}{(v.IsCanary ? " canary" : "")})")).ToList();
            throw new ServingException(StatusCodes.Status404NotFound, served.Count == 0
                ? $"Model '{name}' is not served: it has no alias, or no such model exists."
                : $"Model '{name}' does not serve version {number}; it serves {string.Join(", ", served)}.");
        }
        var alias = context.Request.Query["alias"] is { Count: > 0 } given && !string.IsNullOrEmpty(given[0]) ? given[0]! : DefaultAlias;
        var target = deployments.Find(name, alias);
        if (target is null)
        {
            var aliases = deployments.OfModel(name).Select(d => d.Alias).ToList();
            throw new ServingException(StatusCodes.Status404NotFound, aliases.Count == 0
                ? $"Model '{name}' is not served: it has no alias, or no such model exists."
                : $"Model '{name}' has no alias '{alias}'; it is served as {string.Join(", ", aliases)}.");
        }
        return target.Acquire() ?? throw new ServingException(StatusCodes.Status503ServiceUnavailable,
            $"Model '{name}' alias '{alias}' is not ready{(target.Problem is { } problem ? $": {problem}" : "; its version is still loading")}.");
    }

    private static async Task WriteOutputs(HttpContext context, string name, ServedVersion served, string? id, InferenceJob job, int rows)
    {
        ProtocolResponse.CheckFinite(served.Output!.Name, job.Output.AsSpan(0, job.OutputValues));
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(response.BodyWriter, s_writer);
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, name);
        writer.WriteString("model_version"u8, served.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (id is not null) writer.WriteString("id"u8, id);
        writer.WriteStartArray("outputs"u8);
        writer.WriteStartObject();
        var output = served.Output!;
        writer.WriteString("name"u8, output.Name);
        writer.WriteString("datatype"u8, "FP32"u8);
        writer.WriteStartArray("shape"u8);
        writer.WriteNumberValue(rows);
        for (var d = 1; d < output.Rank; d++) writer.WriteNumberValue(output.Dimensions[d].Size!.Value);
        writer.WriteEndArray();
        writer.WriteStartArray("data"u8);
        foreach (var value in job.Output.AsSpan(0, job.OutputValues)) writer.WriteNumberValue(value);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync();
        await writer.DisposeAsync();
    }

    private static void Tensors(Utf8JsonWriter w, string property, IReadOnlyList<Portal.Engine.Onnx.OnnxTensorInfo> tensors)
    {
        w.WriteStartArray(property);
        foreach (var tensor in tensors)
        {
            w.WriteStartObject();
            w.WriteString("name", tensor.Name);
            w.WriteString("datatype", ProtocolDatatypes.Of(tensor.ElementType));
            w.WriteStartArray("shape");
            foreach (var size in ProtocolDatatypes.Shape(tensor)) w.WriteNumberValue(size);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static DeploymentSet Deployments(HttpContext context) => context.RequestServices.GetRequiredService<DeploymentSet>();

    private static async Task WriteJson(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
        await writer.FlushAsync();
    }

    internal static Task WriteError(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) throw new InvalidOperationException($"Cannot answer {status} after the response started: {message}");
        context.Response.Clear();
        return WriteJson(context, status, w => w.WriteString("error", message));
    }

    /// <summary>Tells the portal's body-size middleware that these endpoints enforce their own limit (and answer 413 in the protocol's shape).</summary>
    private sealed class OwnBodyLimit : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => null;
    }
}
