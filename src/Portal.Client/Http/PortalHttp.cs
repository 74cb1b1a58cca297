using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Contracts;

namespace Portal.Client.Http;

/// <summary>
/// The one place that talks HTTP: JSON in and out (web defaults, enums as names), problem details into
/// <see cref="PortalApiException"/>, retries of reads only, paging.
/// </summary>
internal sealed class PortalHttp : IDisposable
{
    public const int PageSize = 200;

    public static readonly JsonSerializerOptions Json = CreateJson();

    private readonly HttpClient _http;
    private readonly PortalClientOptions _options;

    public PortalHttp(PortalClientOptions options)
    {
        _options = options;
        _http = options.Handler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
        _http.BaseAddress = options.BaseAddress ?? throw new ArgumentException("PortalClientOptions.BaseAddress is required: the portal's root, e.g. http://127.0.0.1:5080/.");
        _http.Timeout = options.Timeout;
        if (!string.IsNullOrEmpty(options.ApiKey)) _http.DefaultRequestHeaders.Add(PortalClient.ApiKeyHeader, options.ApiKey);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        json.Converters.Add(new JsonStringEnumConverter());
        return json;
    }

    public async Task<T> Get<T>(string path, CancellationToken ct) =>
        await Read<T>(await SendRead(path, ct), ct);

    /// <summary>
    /// A read whose <paramref name="answer"/> status is an answer rather than a failure (a health probe's 503 "not
    /// ready"): its JSON body is returned with the status, and it is not retried.
    /// </summary>
    public async Task<(HttpStatusCode Status, T Body)> GetAnswering<T>(string path, HttpStatusCode answer, CancellationToken ct)
    {
        var response = await SendRead(path, ct, answer);
        var status = response.StatusCode;
        if (status != answer) return (status, await Read<T>(response, ct));
        using (response)
        {
            using var stream = await response.Content.ReadAsStreamAsync(ct);
            return (status, await JsonSerializer.DeserializeAsync<T>(stream, Json, ct)
                ?? throw new PortalApiException(status, null, "The portal answered with an empty body.", Method(response), Path(response)));
        }
    }

    public async Task<byte[]> GetBytes(string path, CancellationToken ct)
    {
        using var response = await SendRead(path, ct);
        await Check(response, ct);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    public Task<Page<T>> GetPage<T>(string path, int offset, int limit, CancellationToken ct) =>
        Get<Page<T>>(WithQuery(path, ("offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture))), ct);

    /// <summary>Every item of a list, page by page, as the pages arrive.</summary>
    public async IAsyncEnumerable<T> GetAll<T>(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        var offset = 0;
        while (true)
        {
            var page = await GetPage<T>(path, offset, PageSize, ct);
            foreach (var item in page.Items) yield return item;
            offset += page.Items.Count;
            if (page.Items.Count == 0 || offset >= page.Total) yield break;
        }
    }

    public Task<T> Post<T>(string path, object? body, CancellationToken ct) => Send<T>(HttpMethod.Post, path, body, ct);

    public Task<T> Put<T>(string path, object? body, CancellationToken ct) => Send<T>(HttpMethod.Put, path, body, ct);

    public async Task Delete(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        using var response = await _http.SendAsync(request, ct);
        await Check(response, ct);
    }

    /// <summary>A DELETE whose answer has a body (the resource as it stands after the removal).</summary>
    public async Task<T> Delete<T>(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        return await Read<T>(await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct), ct);
    }

    public async Task<T> PostContent<T>(string path, HttpContent content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        return await Read<T>(await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct), ct);
    }

    /// <summary>Sends the request and returns the response once its status is a success (the caller reads and disposes it).</summary>
    public async Task<HttpResponseMessage> SendChecked(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        try
        {
            await Check(response, ct);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<T> Send<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            // System.Text.Json directly, not System.Net.Http.Json: the PowerShell module loads this client with its own
            // System.Text.Json, which the runtime's System.Net.Http.Json does not know.
            Content = new StringContent(body is null ? "{}" : JsonSerializer.Serialize(body, body.GetType(), Json), Encoding.UTF8, "application/json"),
        };
        return await Read<T>(await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct), ct);
    }

    /// <summary>A GET, tried again after a transient failure (reads are idempotent; nothing else is retried) other than <paramref name="answer"/>.</summary>
    private async Task<HttpResponseMessage> SendRead(string path, CancellationToken ct, HttpStatusCode? answer = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var delay = TimeSpan.FromTicks(_options.RetryDelay.Ticks << Math.Min(attempt, 10));
            HttpResponseMessage response;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch (HttpRequestException) when (attempt < _options.ReadRetries && !ct.IsCancellationRequested)
            {
                await Task.Delay(delay, ct);
                continue;
            }
            if (attempt >= _options.ReadRetries || !IsTransient(response.StatusCode) || response.StatusCode == answer) return response;
            if (response.Headers.RetryAfter?.Delta is { } after && after > delay) delay = after;
            response.Dispose();
            await Task.Delay(delay, ct);
        }
    }

    private static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static async Task<T> Read<T>(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            await Check(response, ct);
            if (typeof(T) == typeof(NoContent)) return (T)(object)NoContent.Value;
            using var stream = await response.Content.ReadAsStreamAsync(ct);
            return await JsonSerializer.DeserializeAsync<T>(stream, Json, ct)
                ?? throw new PortalApiException(response.StatusCode, null, "The portal answered with an empty body.", Method(response), Path(response));
        }
    }

    /// <summary>Throws <see cref="PortalApiException"/> with the server's message unless the status is a success.</summary>
    public static async Task Check(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        string? title = null;
        string? detail = null;
        Dictionary<string, string[]>? errors = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString();
                if (root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString();
                // The inference protocol's error shape.
                if (detail is null && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String) detail = e.GetString();
                if (root.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
                {
                    errors = [];
                    foreach (var field in fields.EnumerateObject())
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array ? [.. field.Value.EnumerateArray().Select(v => v.ToString())] : [field.Value.ToString()];
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body text (if short) is the best explanation there is.
            if (body.Length is > 0 and < 500) detail = body.Trim();
        }
        var status = (int)response.StatusCode;
        var message = detail ?? (errors is { Count: > 0 } ? string.Join(" ", errors.SelectMany(f => f.Value.Select(v => $"{f.Key}: {v}"))) : null)
            ?? title ?? DefaultMessage(response.StatusCode);
        throw new PortalApiException(response.StatusCode, title, message, Method(response), Path(response), errors);

        static string DefaultMessage(HttpStatusCode status) => status switch
        {
            HttpStatusCode.Unauthorized => "The portal did not accept the credentials: the API key is missing, unknown, expired or revoked.",
            HttpStatusCode.Forbidden => "Your role does not allow this.",
            HttpStatusCode.NotFound => "Not found.",
            _ => $"The portal answered {(int)status} {status}.",
        };
    }

    private static string Method(HttpResponseMessage r) => r.RequestMessage?.Method.Method ?? "?";

    private static string Path(HttpResponseMessage r) => r.RequestMessage?.RequestUri?.PathAndQuery ?? "?";

    /// <summary><paramref name="path"/> with the non-null parameters appended, escaped.</summary>
    public static string WithQuery(string path, params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}").ToList();
        if (present.Count == 0) return path;
        return path + (path.Contains('?') ? "&" : "?") + string.Join("&", present);
    }

    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static MediaTypeHeaderValue OctetStream { get; } = new("application/octet-stream");

    public void Dispose() => _http.Dispose();
}

/// <summary>The body of a 204 answer.</summary>
internal sealed class NoContent
{
    public static readonly NoContent Value = new();
}
