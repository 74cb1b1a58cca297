using System.Net.Http.Json;
using System.Text.Json;
using Portal.Server.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests.Infrastructure;

/// <summary>The REST calls that set the scene for a browser test (what the test is not about happens over the API).</summary>
public sealed class PortalApi(HttpClient client)
{
    public async Task<Guid> UploadIdx(string name, string images, string labels, string classNames)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { new StringContent(classNames), "classNames" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(images)), "images", Path.GetFileName(images) },
            { new ByteArrayContent(await File.ReadAllBytesAsync(labels)), "labels", Path.GetFileName(labels) },
        };
        return (await Read(await client.PostAsync("/api/v1/datasets/idx", form))).GetProperty("id").GetGuid();
    }

    /// <summary>A classification CSV: the header names the columns and <paramref name="labelColumn"/> holds each row's class.</summary>
    public async Task<Guid> UploadCsv(string name, string text, string labelColumn)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { new StringContent(labelColumn), "labelColumn" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text)), "file", "data.csv" },
        };
        return (await Read(await client.PostAsync("/api/v1/datasets/csv", form))).GetProperty("id").GetGuid();
    }

    public async Task<Guid> DatasetId(string name)
    {
        var page = await Read(await client.GetAsync("/api/v1/datasets?limit=500"));
        return page.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
    }

    /// <summary>Starts a run without waiting for it; <paramref name="spec"/> is a ready spec's name or a spec document.</summary>
    public async Task<Guid> StartRun(string name, Guid datasetId, object spec, object options) =>
        (await Read(await client.PostAsJsonAsync("/api/v1/runs", new { name, datasetId, spec, options }))).GetProperty("id").GetGuid();

    /// <summary>The run's job state (Running, Interrupted, …) and how many epochs it has stored.</summary>
    public async Task<(string State, int Epochs)> RunProgress(Guid runId)
    {
        var state = (await Read(await client.GetAsync($"/api/v1/runs/{runId}"))).GetProperty("state").GetString()!;
        var epochs = (await Read(await client.GetAsync($"/api/v1/runs/{runId}/metrics"))).GetArrayLength();
        return (state, epochs);
    }

    /// <summary>Starts a run and waits until it succeeded; <paramref name="spec"/> is a ready spec's name or a spec document.</summary>
    public async Task<Guid> Train(string name, Guid datasetId, object spec, object options, TimeSpan limit)
    {
        var run = await Read(await client.PostAsJsonAsync("/api/v1/runs", new { name, datasetId, spec, options }));
        var id = run.GetProperty("id").GetGuid();
        await Poll.Until(async () =>
            {
                var state = (await Read(await client.GetAsync($"/api/v1/runs/{id}"))).GetProperty("state").GetString();
                if (state is "Failed" or "Cancelled") throw new InvalidOperationException($"Run {name} ended {state}.");
                return state == "Succeeded";
            },
            limit, () => $"Run {name} did not succeed within {limit}.", TimeSpan.FromMilliseconds(500));
        return id;
    }

    public async Task RegisterVersion(string model, Guid runId, Guid evaluationDatasetId, string description = "made by the e2e tests")
    {
        await Read(await client.PostAsJsonAsync("/api/v1/models", new { name = model, description }));
        await Read(await client.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId, evaluationDatasetId }));
    }

    public async Task SetTag(string model, int version, string key, string value) =>
        await Read(await client.PutAsJsonAsync($"/api/v1/models/{model}/versions/{version}/tags/{key}", new { value }));

    /// <summary>Asks for <paramref name="alias"/> to point at the version; returns the request's id.</summary>
    public async Task<Guid> RequestPromotion(string model, string alias, int version, string comment) =>
        (await Read(await client.PostAsJsonAsync("/api/v1/promotions", new { model, alias, version, comment }))).GetProperty("id").GetGuid();

    public async Task ApprovePromotion(Guid id, string comment) =>
        await Read(await client.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment }));

    public async Task CreateApiKey(string name) =>
        await Read(await client.PostAsJsonAsync("/api/v1/api-keys", new { name, expiresInDays = 30 }));

    /// <summary>Every user's id and role, by user name (an Admin's call).</summary>
    public async Task<IReadOnlyDictionary<string, (string Id, string Role)>> Users()
    {
        var page = await Read(await client.GetAsync("/api/v1/users?limit=500"));
        return page.GetProperty("items").EnumerateArray().ToDictionary(
            u => u.GetProperty("userName").GetString()!, u => (u.GetProperty("id").GetString()!, u.GetProperty("role").GetString()!));
    }

    /// <summary>An alert rule ("fire when METRIC > THRESHOLD for WINDOW s") on every alias of <paramref name="model"/>.</summary>
    public async Task CreateAlertRule(string name, string metric, double threshold, int windowSeconds, string model) =>
        await Read(await client.PostAsJsonAsync("/api/v1/alert-rules", new { name, metric, comparison = ">", threshold, windowSeconds, model }));

    /// <summary>The name of the model's input, from the /v2 model metadata.</summary>
    public async Task<string> InputName(string model) =>
        (await Read(await client.GetAsync($"/v2/models/{model}"))).GetProperty("inputs")[0].GetProperty("name").GetString()!;

    /// <summary>GET /v2's execution_provider: the device the server's sessions run on, and why.</summary>
    public async Task<(string Device, string Reason)> ExecutionProvider()
    {
        var provider = (await Read(await client.GetAsync("/v2"))).GetProperty("execution_provider");
        return (provider.GetProperty("device").GetString()!, provider.GetProperty("reason").GetString()!);
    }

    /// <summary>Sends one-image inference requests until cancelled; returns how many succeeded.</summary>
    public async Task<int> InferRepeatedly(string model, string input, CancellationToken ct)
    {
        var random = new Random(7);
        var ok = 0;
        while (!ct.IsCancellationRequested)
        {
            var data = Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray();
            try
            {
                var response = await client.PostAsJsonAsync($"/v2/models/{model}/infer",
                    new { inputs = new[] { new { name = input, shape = new[] { 1, 784 }, datatype = "FP32", data } } }, CancellationToken.None);
                if (response.IsSuccessStatusCode) ok++;
                else throw new InvalidOperationException($"infer: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                await Task.Delay(20, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return ok;
    }

    private static async Task<JsonElement> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }
}
