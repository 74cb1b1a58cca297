using System.Net;
using System.Text;
using System.Text.Json;

namespace Portal.Server.Tests.Serving;

/// <summary>Open Inference Protocol v2 requests as the tests send them, and their answers read back.</summary>
internal static class InferCalls
{
    public static float[] Row(int seed) => [seed * 0.5f, 1 - seed, seed / 3f, 2f];

    /// <summary>A well-formed request of the given rows, as raw JSON (so tests can break any part of it).</summary>
    public static string Body(IReadOnlyList<float[]> rows, string name = "input", string datatype = "FP32", string? shape = null, string? id = null)
    {
        var data = string.Join(",", rows.SelectMany(r => r).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        shape ??= $"[{rows.Count},1,2,2]";
        var idPart = id is null ? "" : $"\"id\":\"{id}\",";
        return $"{{{idPart}\"inputs\":[{{\"name\":\"{name}\",\"shape\":{shape},\"datatype\":\"{datatype}\",\"data\":[{data}]}}]}}";
    }

    public static Task<HttpResponseMessage> Infer(this HttpClient http, string path, string body) =>
        http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> Infer(this HttpClient http, string model, params float[][] rows) =>
        http.Infer($"/v2/models/{model}/infer", Body(rows));

    /// <summary>Asserts 200 and returns the answer's version and its output rows.</summary>
    public static async Task<(int Version, float[][] Rows, JsonElement Root)> Outputs(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {text}");
        var root = JsonDocument.Parse(text).RootElement;
        var output = root.GetProperty("outputs")[0];
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        var shape = output.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var data = output.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(shape[0] * shape[1], data.Length);
        var rows = Enumerable.Range(0, shape[0]).Select(r => data.AsSpan(r * shape[1], shape[1]).ToArray()).ToArray();
        return (int.Parse(root.GetProperty("model_version").GetString()!, System.Globalization.CultureInfo.InvariantCulture), rows, root);
    }

    /// <summary>Asserts the protocol's error shape with this status and returns its message.</summary>
    public static async Task<string> Error(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        Assert.Single(document.RootElement.EnumerateObject());
        return document.RootElement.GetProperty("error").GetString()!;
    }

    public static void AssertRow(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4f, $"value {i}: expected {expected[i]}, got {actual[i]}");
    }
}
