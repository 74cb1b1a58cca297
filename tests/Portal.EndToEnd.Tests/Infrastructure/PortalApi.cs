using System.Net.Http.Json;
using System.Text.Json;

namespace Portal.EndToEnd.Tests.Infrastructure;

/// <summary>The REST calls that set the scene for a browser test (what the test is not about happens over the API).</summary>
public sealed class PortalApi(HttpClient client)
{
    public async Task<Guid> UploadIdx(string name, string images, string labels)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(images)), "images", Path.GetFileName(images) },
            { new ByteArrayContent(await File.ReadAllBytesAsync(labels)), "labels", Path.GetFileName(labels) },
        };
        return (await Read(await client.PostAsync("/api/v1/datasets/idx", form))).GetProperty("id").GetGuid();
    }

    public async Task<Guid> DatasetId(string name)
    {
        var page = await Read(await client.GetAsync("/api/v1/datasets?limit=500"));
        return page.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
    }

    /// <summary>Starts a run and waits until it succeeded.</summary>
    public async Task<Guid> Train(string name, Guid datasetId, string spec, object options, TimeSpan limit)
    {
        var run = await Read(await client.PostAsJsonAsync("/api/v1/runs", new { name, datasetId, spec, options }));
        var id = run.GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            var state = (await Read(await client.GetAsync($"/api/v1/runs/{id}"))).GetProperty("state").GetString();
            if (state == "Succeeded") return id;
            if (state is "Failed" or "Cancelled") throw new InvalidOperationException($"Run {name} ended {state}.");
            await Task.Delay(500);
        }
        throw new TimeoutException($"Run {name} did not succeed within {limit}.");
    }

    public async Task RegisterVersion(string model, Guid runId, Guid evaluationDatasetId)
    {
        await Read(await client.PostAsJsonAsync("/api/v1/models", new { name = model, description = "made by the e2e tests" }));
        await Read(await client.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId, evaluationDatasetId }));
    }

    private static async Task<JsonElement> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }
}
