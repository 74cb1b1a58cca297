using System.Net;
using System.Text.Json;
using Portal.Client.Http;
using Portal.Client.Models;
using Portal.Contracts;
using Portal.Contracts.Serving;

namespace Portal.Client;

/// <summary>/api/v1/deployments: every served alias with its live window.</summary>
public sealed class DeploymentsClient
{
    private readonly PortalHttp _http;

    internal DeploymentsClient(PortalHttp http) => _http = http;

    public Task<Page<DeploymentView>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<DeploymentView>("api/v1/deployments", offset, limit, ct);

    public IAsyncEnumerable<DeploymentView> ListAll(CancellationToken ct = default) => _http.GetAll<DeploymentView>("api/v1/deployments", ct);

    public Task<DeploymentView> Get(string model, string alias = InferenceClient.DefaultAlias, CancellationToken ct = default) =>
        _http.Get<DeploymentView>(Path(model, alias), ct);

    /// <summary>
    /// Sets the deployment's dynamic batching (an Admin's act: it trades every caller's latency for throughput); a
    /// setting left null takes the server's configured default. Applies to the next requests.
    /// </summary>
    /// <param name="maxBatchSize">1 turns batching off.</param>
    /// <exception cref="PortalApiException">A value out of range (400, naming it), or no such deployment (404).</exception>
    public Task<DeploymentView> SetBatching(string model, string alias, int? maxBatchSize = null, int? maxQueueDelayMicroseconds = null, int? maxQueueSize = null, CancellationToken ct = default) =>
        _http.Put<DeploymentView>(Path(model, alias) + "/batching", new BatchingInput(maxBatchSize, maxQueueDelayMicroseconds, maxQueueSize), ct);

    /// <summary>
    /// Sends <paramref name="percent"/> % (more than 0, less than 100) of the alias's requests to <paramref name="version"/>,
    /// the rest to the version the alias holds (an Approver's act: that version was not approved for the alias).
    /// </summary>
    /// <exception cref="PortalApiException">A bad percentage (400), no such version or deployment (404), or the version already holds the alias (409).</exception>
    public Task<DeploymentView> SetCanary(string model, string alias, int version, double percent, CancellationToken ct = default) =>
        _http.Put<DeploymentView>(Path(model, alias) + "/canary", new CanaryInput(version, percent), ct);

    /// <summary>Sends every request of the alias to the version it holds again.</summary>
    /// <exception cref="PortalApiException">The deployment has no canary, or does not exist (404).</exception>
    public Task<DeploymentView> RemoveCanary(string model, string alias, CancellationToken ct = default) =>
        _http.Delete<DeploymentView>(Path(model, alias) + "/canary", ct);

    private static string Path(string model, string alias) => $"api/v1/deployments/{PortalHttp.Segment(model)}/{PortalHttp.Segment(alias)}";
}

/// <summary>/v2: the Open Inference Protocol v2 (KServe/Triton REST, JSON).</summary>
public sealed class InferenceClient
{
    public const string DefaultAlias = "production";

    private readonly PortalHttp _http;

    internal InferenceClient(PortalHttp http) => _http = http;

    /// <summary>GET /v2/health/live: whether the server process answers (no key needed).</summary>
    public async Task<bool> IsLive(CancellationToken ct = default) =>
        (await _http.Get<JsonElement>("v2/health/live", ct)).GetProperty("live").GetBoolean();

    /// <summary>GET /v2/health/ready: whether the server has loaded its deployments (a 503 is the answer "not yet", not retried).</summary>
    public async Task<bool> IsReady(CancellationToken ct = default) =>
        (await _http.GetAnswering<JsonElement>("v2/health/ready", HttpStatusCode.ServiceUnavailable, ct)).Body.GetProperty("ready").GetBoolean();

    /// <summary>GET /v2: the server's name, version and protocol extensions.</summary>
    public Task<InferenceServerMetadata> ServerMetadata(CancellationToken ct = default) => _http.Get<InferenceServerMetadata>("v2", ct);

    /// <summary>
    /// GET /v2/models/{model}[/versions/{version}]/ready: true when the alias (default production) or version is served
    /// and loaded; false while it is still loading (503, not retried).
    /// </summary>
    /// <exception cref="PortalApiException">The model is not served through that alias or version (404, naming what is served).</exception>
    public async Task<bool> IsModelReady(string model, string? alias = null, int? version = null, CancellationToken ct = default)
    {
        var path = version is { } v ? $"v2/models/{PortalHttp.Segment(model)}/versions/{v}/ready" : $"v2/models/{PortalHttp.Segment(model)}/ready";
        var (status, _) = await _http.GetAnswering<JsonElement>(PortalHttp.WithQuery(path, ("alias", version is null ? alias : null)), HttpStatusCode.ServiceUnavailable, ct);
        return status != HttpStatusCode.ServiceUnavailable;
    }

    /// <summary>POST /v2/models/{model}[/versions/{version}]/infer; without a version the alias (default production) decides.</summary>
    public Task<InferenceResponse> Infer(string model, InferenceRequest request, string? alias = null, int? version = null, CancellationToken ct = default)
    {
        var path = version is { } v ? $"v2/models/{PortalHttp.Segment(model)}/versions/{v}/infer" : $"v2/models/{PortalHttp.Segment(model)}/infer";
        return _http.Post<InferenceResponse>(PortalHttp.WithQuery(path, ("alias", version is null ? alias : null)), request, ct);
    }

    /// <summary>
    /// As <see cref="Infer"/>, with the binary tensor data extension both ways: every input's data goes as binary after
    /// a JSON header, and every output comes back as binary (<see cref="InferenceTensor.Binary"/>; read it with
    /// <see cref="InferenceTensor.ValuesAs{T}"/>).
    /// </summary>
    public async Task<InferenceResponse> InferBinary(string model, InferenceRequest request, string? alias = null, int? version = null, CancellationToken ct = default)
    {
        var path = version is { } v ? $"v2/models/{PortalHttp.Segment(model)}/versions/{v}/infer" : $"v2/models/{PortalHttp.Segment(model)}/infer";
        var tails = request.Inputs.Select(InferenceDatatypes.Encode).ToList();
        var header = new System.Text.Json.Nodes.JsonObject();
        if (request.Id is not null) header["id"] = request.Id;
        header["inputs"] = new System.Text.Json.Nodes.JsonArray([.. request.Inputs.Select((input, i) => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = input.Name,
            ["datatype"] = input.Datatype,
            ["shape"] = new System.Text.Json.Nodes.JsonArray([.. input.Shape.Select(d => (System.Text.Json.Nodes.JsonNode)d)]),
            ["parameters"] = new System.Text.Json.Nodes.JsonObject { ["binary_data_size"] = tails[i].Length },
        })]);
        if (request.Outputs is { } outputs)
            header["outputs"] = new System.Text.Json.Nodes.JsonArray([.. outputs.Select(o => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["name"] = o.Name })]);
        header["parameters"] = new System.Text.Json.Nodes.JsonObject { ["binary_data_output"] = true };
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var body = new byte[json.Length + tails.Sum(t => t.Length)];
        json.CopyTo(body, 0);
        var offset = json.Length;
        foreach (var tail in tails)
        {
            tail.CopyTo(body, offset);
            offset += tail.Length;
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, PortalHttp.WithQuery(path, ("alias", version is null ? alias : null))) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = PortalHttp.OctetStream;
        message.Headers.Add(BinaryHeaderLength, json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await _http.SendChecked(message, ct);
        var answer = await response.Content.ReadAsByteArrayAsync(ct);
        var headerLength = response.Headers.TryGetValues(BinaryHeaderLength, out var values) ? int.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture) : answer.Length;
        var parsed = System.Text.Json.JsonSerializer.Deserialize<InferenceResponse>(answer.AsSpan(0, headerLength), PortalHttp.Json)
            ?? throw new InvalidDataException($"The inference answer of model '{model}' is empty.");
        using var document = JsonDocument.Parse(answer.AsMemory(0, headerLength));
        var read = headerLength;
        var tensors = new List<InferenceTensor>();
        foreach (var (tensor, element) in parsed.Outputs.Zip(document.RootElement.GetProperty("outputs").EnumerateArray()))
        {
            if (element.TryGetProperty("parameters", out var parameters) && parameters.TryGetProperty("binary_data_size", out var size))
            {
                var length = size.GetInt32();
                tensors.Add(tensor with { Binary = answer[read..(read + length)] });
                read += length;
            }
            else
            {
                tensors.Add(tensor);
            }
        }
        return parsed with { Outputs = tensors };
    }

    /// <summary>The binary tensor data extension's header: the length of the JSON before the binary data.</summary>
    public const string BinaryHeaderLength = "Inference-Header-Content-Length";

    /// <summary>GET /v2/models/{model}[/versions/{version}]: the served version's input and output tensors.</summary>
    public Task<InferenceModelMetadata> Metadata(string model, string? alias = null, int? version = null, CancellationToken ct = default)
    {
        var path = version is { } v ? $"v2/models/{PortalHttp.Segment(model)}/versions/{v}" : $"v2/models/{PortalHttp.Segment(model)}";
        return _http.Get<InferenceModelMetadata>(PortalHttp.WithQuery(path, ("alias", version is null ? alias : null)), ct);
    }

    /// <summary>
    /// Classifies texts with a served text version (one whose file carries its tokenizer): the texts go as the BYTES
    /// input <c>text</c>, tokenized by the server as training did, and each comes back with its most probable class and
    /// its <paramref name="top"/> classes (the classification extension on the version's classifier output).
    /// </summary>
    /// <exception cref="ArgumentException">No texts, <paramref name="top"/> below 1, or the version takes no text or has no class names.</exception>
    /// <exception cref="PortalApiException">The server refused the request (400 naming the problem, 404 when not served).</exception>
    public async Task<IReadOnlyList<TextPrediction>> InferText(string model, IReadOnlyList<string> texts, int top = 1, string? alias = null, int? version = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("There are no texts to classify.", nameof(texts));
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var metadata = await Metadata(model, alias, version, ct);
        if (!metadata.TakesText)
            throw new ArgumentException($"Model '{model}' version {metadata.ServedVersion} takes no text: its file carries no tokenizer. Send its input '{metadata.Inputs.FirstOrDefault()?.Name}' as token ids with Infer.", nameof(model));
        var output = metadata.ClassifierOutput
            ?? throw new ArgumentException($"Model '{model}' version {metadata.ServedVersion} has no class names, so its outputs are not classes; use Infer for its raw outputs.", nameof(model));
        var request = new InferenceRequest([InferenceTensor.Create("text", [texts.Count], texts.ToArray(), "BYTES")])
        {
            Outputs = [new InferenceRequestedOutput(output) { Parameters = new InferenceOutputParameters(top) }],
        };
        var answer = await Infer(model, request, alias, version, ct);
        var classified = answer.Outputs.FirstOrDefault(o => o.Name == output)
            ?? throw new InvalidDataException($"The inference answer of model '{model}' has no output '{output}'.");
        var strings = classified.ValuesAs<string>();
        if (strings.Length != texts.Count * top)
            throw new InvalidDataException($"Output '{output}' of model '{model}' holds {strings.Length} classes for {texts.Count} texts of top {top}.");
        var predictions = new TextPrediction[texts.Count];
        for (var t = 0; t < texts.Count; t++)
        {
            var classes = strings.AsSpan(t * top, top).ToArray().Select(Scored).ToList();
            predictions[t] = new TextPrediction(texts[t], classes[0].Name, classes[0].Index, classes[0].Probability, classes);
        }
        return predictions;
    }

    /// <summary>One <c>probability:index:name</c> of the classification extension (a name may itself hold colons).</summary>
    private static ClassProbability Scored(string entry)
    {
        var parts = entry.Split(':', 3);
        if (parts.Length < 2
            || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var probability)
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            throw new InvalidDataException($"'{entry}' is not a class of the classification extension (probability:index:name).");
        return new ClassProbability(index, parts.Length > 2 ? parts[2] : index.ToString(System.Globalization.CultureInfo.InvariantCulture), probability);
    }

    /// <summary>
    /// Infers a batch of rows, each one sample's FP32 values flattened, through the model's first input (its name and
    /// sample shape read from the model's metadata); the answer's first output is read back as rows.
    /// </summary>
    public async Task<InferenceResult> InferRows(string model, IReadOnlyList<float[]> rows, string? alias = null, int? version = null, CancellationToken ct = default)
    {
        if (rows.Count == 0) throw new ArgumentException("There are no rows to infer.", nameof(rows));
        var metadata = await Metadata(model, alias, version, ct);
        var input = metadata.Inputs.Count > 0 ? metadata.Inputs[0] : throw new ArgumentException($"Model '{model}' declares no inputs.", nameof(model));
        var sample = input.Shape.Skip(1).ToArray();
        var width = sample.Aggregate(1L, (a, d) => a * Math.Max(1, d));
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != width)
                throw new ArgumentException($"Row {r} has {rows[r].Length} values; model '{model}' input '{input.Name}' takes {width} per sample (shape [{string.Join(", ", sample)}]).", nameof(rows));
        }
        var data = System.Text.Json.JsonSerializer.SerializeToElement(rows.SelectMany(r => r).ToArray(), PortalHttp.Json);
        var tensor = new InferenceTensor(input.Name, [rows.Count, .. sample], "FP32", data);
        var response = await Infer(model, new InferenceRequest([tensor]), alias, version, ct);
        var output = response.Outputs.Count > 0 ? response.Outputs[0] : throw new InvalidDataException($"The inference answer of model '{model}' has no outputs.");
        var values = output.Values();
        var outWidth = values.Length / rows.Count;
        var results = new double[rows.Count][];
        for (var r = 0; r < rows.Count; r++) results[r] = values.AsSpan(r * outWidth, outWidth).ToArray();
        return new InferenceResult(response.ModelName, response.ModelVersion, output.Name, results);
    }
}

/// <summary>Rows of a model's first output (scores or logits per class for a classifier), and which version answered.</summary>
public sealed record InferenceResult(string Model, string? Version, string Output, IReadOnlyList<double[]> Rows)
{
    /// <summary>The index of the largest value of each row: the predicted class of a classifier.</summary>
    public int[] ArgMax() => [.. Rows.Select(r => Array.IndexOf(r, r.Max()))];
}
