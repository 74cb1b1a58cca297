using System.Net.Http.Json;
using System.Text.Json;
using Portal.EndToEnd.Tests.Infrastructure;
using Portal.Server.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests;

/// <summary>The "try it" panels of a deployed Fashion-MNIST model, used in the browser as a user would.</summary>
[Collection(PortalCollection.Name)]
public sealed class TryItTests(PortalBrowser portal)
{
    private const string Model = "e2e-try";

    // An alias no policy protects moves without a promotion, so these tests leave the approvals inbox to the others.
    private const string Alias = "staging";

    private static readonly SemaphoreSlim s_deployed = new(1, 1);
    private static bool s_ready;

    [Fact]
    public async Task A_viewer_uploads_an_image_on_the_model_page_and_sees_the_top_classes_v2_gives()
    {
        var files = await Deploy();
        var (image, _) = IdxFiles.FirstOfFashionMnist(1, files);
        await portal.Portal.CreateUser("vera", "Viewer");

        var vera = await portal.SignIn("vera", PortalProcess.UserPassword);
        await vera.Open($"/models/{Model}", "#try-it");
        Assert.Equal($"v1 is served as {Alias}", (await vera.Page.Locator("#try-served").InnerTextAsync()).Trim());
        await vera.Page.SetInputFilesAsync("#try-image", image);
        await vera.Page.Locator("#try-image-file").WaitForAsync();
        await vera.Page.ClickAsync("#try-run");
        await vera.Page.Locator(".try-class").First.WaitForAsync();
        await vera.Screenshot("15-try-it-image");

        var names = await vera.Page.Locator(".try-class-name").AllInnerTextsAsync();
        var probabilities = (await vera.Page.Locator(".try-class-probability").AllInnerTextsAsync()).Select(p => double.Parse(p.Trim().TrimEnd('%').Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(5, names.Count);
        Assert.Equal(probabilities.OrderByDescending(p => p), probabilities);
        // The same image sent to /v2 by a client gives the same classes in the same order.
        using var client = await portal.Portal.SignedInClient("vera", PortalProcess.UserPassword);
        var pixels = (await File.ReadAllBytesAsync(image))[16..].Select(b => (float)b).ToArray();
        var input = JsonDocument.Parse(await client.GetStringAsync($"/v2/models/{Model}?alias={Alias}")).RootElement.GetProperty("inputs")[0].GetProperty("name").GetString();
        var response = await client.PostAsJsonAsync($"/v2/models/{Model}/infer?alias={Alias}", new
        {
            inputs = new[] { new { name = input, shape = new[] { 1, 784 }, datatype = "FP32", data = pixels } },
            outputs = new[] { new { name = await OutputName(client), parameters = new { classification = 5 } } },
        });
        var classes = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("outputs")[0].GetProperty("data")
            .EnumerateArray().Select(c => c.GetString()!.Split(':', 3)[2]).ToList();
        Assert.Equal(classes, names.Select(n => n.Trim()));
        vera.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_viewer_pastes_a_v2_body_on_the_deployment_page_and_sees_the_outputs_or_the_error_v2_gives()
    {
        await Deploy();
        await portal.Portal.CreateUser("vic", "Viewer");

        var vic = await portal.SignIn("vic", PortalProcess.UserPassword);
        await vic.Open($"/deployments/{Model}/{Alias}", "#try-it");
        await vic.Page.Locator(".mud-tab", new() { HasTextString = "V2 JSON" }).ClickAsync();
        // The panel starts from a body that fits the signature: one row of zeros.
        await vic.Page.ClickAsync("#try-run");
        await vic.Page.Locator("#try-answer").WaitForAsync();
        using var client = await portal.Portal.SignedInClient("vic", PortalProcess.UserPassword);
        var output = await OutputName(client);
        Assert.Equal(output, (await vic.Page.Locator(".try-output-name").InnerTextAsync()).Trim());
        Assert.Contains("FP32 · [1, 10]", await vic.Page.Locator(".try-output").InnerTextAsync());
        await vic.Screenshot("16-try-it-json");

        const string wrong = """{"inputs":[{"name":"nope","datatype":"FP32","shape":[1,784],"data":[]}]}""";
        await vic.Page.FillAsync("#try-json", wrong);
        await vic.Page.ClickAsync("#try-run");
        await vic.Page.Locator("#try-error").WaitForAsync();
        var refused = await client.PostAsync($"/v2/models/{Model}/infer?alias={Alias}", new StringContent(wrong, System.Text.Encoding.UTF8, "application/json"));
        var message = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Equal(message, (await vic.Page.Locator("#try-error").InnerTextAsync()).Trim());
        await vic.Screenshot("17-try-it-error");
        vic.AssertNoConsoleErrors();
    }

    private static async Task<string> OutputName(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync($"/v2/models/{Model}?alias={Alias}")).RootElement.GetProperty("outputs")[0].GetProperty("name").GetString()!;

    /// <summary>Trains and registers a Fashion-MNIST MLP and serves it as <see cref="Alias"/>, once for both tests; returns a folder for files.</summary>
    private async Task<string> Deploy()
    {
        var files = Directory.CreateTempSubdirectory("portal-e2e-try-").FullName;
        await s_deployed.WaitAsync();
        try
        {
            if (s_ready) return files;
            await portal.Portal.CreateUser("tess", "Contributor");
            using (var client = await portal.Portal.SignedInClient("tess", PortalProcess.UserPassword))
            {
                var api = new PortalApi(client);
                var (images, labels) = IdxFiles.FirstOfFashionMnist(2000, files);
                var train = await api.UploadIdx("e2e-try-train", images, labels, IdxFiles.FashionClassNames);
                var run = await api.Train("e2e try mlp", train, "fashion-mlp", new { epochs = 1, batchSize = 64 }, TimeSpan.FromMinutes(5));
                await api.RegisterVersion(Model, run, await api.DatasetId("fashion-mnist-test"));
                var moved = await client.PutAsJsonAsync($"/api/v1/models/{Model}/aliases/{Alias}", new { version = 1 });
                Assert.True(moved.IsSuccessStatusCode, $"Moving {Alias}: {(int)moved.StatusCode} {await moved.Content.ReadAsStringAsync()}");
                await Poll.Until(async () => (await client.GetAsync($"/v2/models/{Model}/ready?alias={Alias}")).IsSuccessStatusCode, TimeSpan.FromSeconds(60),
                    () => $"{Model}/{Alias} did not become ready.", TimeSpan.FromMilliseconds(250));
            }
            s_ready = true;
            return files;
        }
        finally
        {
            s_deployed.Release();
        }
    }
}
