using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>JSON over HTTP as the portal speaks it (System.Text.Json web defaults: camelCase).</summary>
public static class HttpJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body, Options);

    public static Task<HttpResponseMessage> PutJson(this HttpClient client, string url, object body) => client.PutAsJsonAsync(url, body, Options);

    /// <summary>GET, assert 200, read the body as <typeparamref name="T"/>.</summary>
    public static async Task<T> GetJson<T>(this HttpClient client, string url) => await (await client.GetAsync(url)).ReadJson<T>();

    /// <summary>Asserts the status (the failure message carries the response body) and reads the body as <typeparamref name="T"/>.</summary>
    public static async Task<T> ReadJson<T>(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        await response.AssertStatus(expected);
        return await response.Content.ReadFromJsonAsync<T>(Options)
            ?? throw new Xunit.Sdk.XunitException($"{Describe(response)} had an empty JSON body.");
    }

    /// <summary>Asserts the status; on a mismatch the message names the request and carries the response body.</summary>
    public static async Task<HttpResponseMessage> AssertStatus(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new Xunit.Sdk.XunitException($"{Describe(response)} answered {(int)response.StatusCode} {response.StatusCode}, expected {(int)expected} {expected}. Body: {body}");
        }
        return response;
    }

    private static string Describe(HttpResponseMessage response) =>
        $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
}
