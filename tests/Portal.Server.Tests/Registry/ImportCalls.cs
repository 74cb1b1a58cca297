using System.Net;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Registry;

/// <summary>Imports as the tests make them: the multipart form, and waiting for the import job to finish.</summary>
internal static class ImportCalls
{
    public static MultipartFormDataContent Form(byte[] file, string fileName = "hand-made.onnx", Guid? evaluationDatasetId = null,
        string? dims = null, long? integerBound = null, IEnumerable<string>? classNames = null, string? example = null)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", fileName } };
        if (evaluationDatasetId is { } id) form.Add(new StringContent(id.ToString()), "evaluationDatasetId");
        if (dims is not null) form.Add(new StringContent(dims), "dims");
        if (integerBound is { } bound) form.Add(new StringContent(bound.ToString(System.Globalization.CultureInfo.InvariantCulture)), "integerBound");
        foreach (var name in classNames ?? []) form.Add(new StringContent(name), "classNames");
        if (example is not null) form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(example)), "example", "example.json");
        return form;
    }

    public static async Task<HttpResponseMessage> PostImport(this HttpClient client, string model, MultipartFormDataContent form)
    {
        using (form) return await client.PostAsync($"/api/v1/models/{model}/versions/import", form);
    }

    /// <summary>Imports, asserts the 202, waits for the job and returns the finished import.</summary>
    public static async Task<ImportView> ImportFinished(this HttpClient client, string model, MultipartFormDataContent form)
    {
        var started = await (await client.PostImport(model, form)).ReadJson<ImportView>(HttpStatusCode.Accepted);
        return await client.WaitForImport(model, started.Id);
    }

    /// <summary>Imports and returns the version its job recorded; the job must succeed.</summary>
    public static async Task<VersionView> ImportVersion(this HttpClient client, string model, MultipartFormDataContent form)
    {
        var done = await client.ImportFinished(model, form);
        Assert.True(done.State == JobState.Succeeded, $"The import job ended {done.State}: {done.Error}");
        return await client.GetJson<VersionView>($"/api/v1/models/{model}/versions/{done.Version}");
    }

    public static Task<ImportView> WaitForImport(this HttpClient client, string model, Guid id) =>
        Poll.Until(() => client.GetJson<ImportView>($"/api/v1/models/{model}/imports/{id}"), i => i.State.IsFinished(), TimeSpan.FromSeconds(120),
            i => $"Import {i.Id} is still {i.State} ({i.Progress:P0}).");
}
