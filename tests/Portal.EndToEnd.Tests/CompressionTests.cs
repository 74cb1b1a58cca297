using Portal.EndToEnd.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests;

[Collection(PortalCollection.Name)]
public sealed class CompressionTests(PortalBrowser portal)
{
    [Fact]
    public async Task A_contributor_quantizes_and_prunes_a_version_in_the_lab_watches_the_steps_live_and_sees_the_new_versions_on_the_trade_off_charts()
    {
        await portal.Portal.CreateUser("lena", "Contributor");
        using (var client = await portal.Portal.SignedInClient("lena", PortalProcess.UserPassword))
        {
            var api = new PortalApi(client);
            var files = Directory.CreateTempSubdirectory("portal-e2e-idx-").FullName;
            var (images, labels) = IdxFiles.FirstOfFashionMnist(2000, files);
            var train = await api.UploadIdx("e2e-lab-train", images, labels, IdxFiles.FashionClassNames);
            var run = await api.Train("e2e lab mlp", train, "fashion-mlp", new { epochs = 1, batchSize = 64 }, TimeSpan.FromMinutes(5));
            await api.RegisterVersion("e2e-lab", run, await api.DatasetId("fashion-mnist-test"));
        }

        var lena = await portal.SignIn("lena", PortalProcess.UserPassword);
        var page = lena.Page;
        await page.ClickAsync("#nav-compression");
        await lena.WaitForCircuit("#lab-launcher");
        await lena.Open("/compression?model=e2e-lab&version=1", "#lab-launch");
        await page.Locator("[data-chart='Accuracy against latency'][data-points='1']").WaitForAsync();

        // The engine's refusal comes back inline, in its words.
        await page.FillAsync("#lab-calibration", "0");
        await page.Locator("#lab-calibration").BlurAsync();
        await page.ClickAsync("#lab-launch");
        await page.Locator(".lab-problem", new() { HasTextString = "Calibration needs at least one sample" }).WaitForAsync();

        await page.FillAsync("#lab-calibration", "200");
        await page.Locator("#lab-calibration").BlurAsync();
        await page.ClickAsync("#lab-launch");
        await page.Locator(".lab-compression").First.WaitForAsync();
        var succeeded = page.Locator(".lab-compression[data-state='Succeeded']");
        await succeeded.WaitForAsync(new() { Timeout = 240_000 });
        Assert.Contains("v2", await succeeded.Locator(".lab-result").InnerTextAsync());
        await succeeded.Locator(".lab-report", new() { HasTextString = "smaller" }).WaitForAsync();
        await page.Locator("[data-chart='Accuracy against latency'][data-points='2']").WaitForAsync();
        await page.Locator("[data-chart='Accuracy against size'] .trade-off-point.pareto").First.WaitForAsync();
        await lena.Screenshot("12-compression-lab");

        // A structured pruning with fine-tuning runs long enough to be watched: its steps arrive live on the page.
        await page.Locator("#lab-method .mud-toggle-item", new() { HasTextString = "Prune (structured)" }).ClickAsync();
        await page.FillAsync("#lab-finetune", "10");
        await page.Locator("#lab-finetune").BlurAsync();
        await page.ClickAsync("#lab-launch");
        await page.Locator(".lab-compression .lab-stage", new() { HasTextString = "step " }).WaitForAsync(new() { Timeout = 120_000 });
        await lena.Screenshot("13-compression-running");
        await page.Locator(".lab-compression[data-state='Succeeded']").Nth(1).WaitForAsync(new() { Timeout = 240_000 });
        await page.Locator("[data-chart='Accuracy against latency'][data-points='3']").WaitForAsync();

        // The lineage names the compressed child's parent.
        await lena.Open("/models/e2e-lab", "#version-detail");
        await page.Locator("#version-detail", new() { HasTextString = "derived from v1" }).WaitForAsync();
        lena.AssertNoConsoleErrors();
    }
}
