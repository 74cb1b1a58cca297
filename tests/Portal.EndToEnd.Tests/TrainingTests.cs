using System.Text.RegularExpressions;
using Portal.EndToEnd.Tests.Infrastructure;
using Portal.Server.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests;

[Collection(PortalCollection.Name)]
public sealed class TrainingTests(PortalBrowser portal)
{
    [Fact]
    public async Task Contributor_uploads_an_idx_dataset_trains_on_it_and_watches_the_curve_grow()
    {
        await portal.Portal.CreateUser("carol", "Contributor");
        var carol = await portal.SignIn("carol", PortalProcess.UserPassword);
        await carol.Screenshot("01-runs");

        var files = Directory.CreateTempSubdirectory("portal-e2e-idx-").FullName;
        var (images, labels) = IdxFiles.FirstOfFashionMnist(3000, files);
        var page = carol.Page;

        // A bad file is refused inline, in the engine's words.
        await carol.Open("/datasets", "#dataset-upload");
        await page.FillAsync("#upload-name", "e2e-broken");
        await Choose(page, "images", labels);
        await Choose(page, "labels", labels);
        await page.ClickAsync("#upload-submit");
        var error = page.Locator("#upload-error");
        await error.WaitForAsync();
        Assert.Contains("IDX", await error.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        await carol.Screenshot("02-dataset-upload-error");

        await page.FillAsync("#upload-name", "e2e-fashion-3000");
        await page.FillAsync("#upload-classes", "T-shirt,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Boot");
        await Choose(page, "images", images);
        await Choose(page, "labels", labels);
        await page.ClickAsync("#upload-submit");
        await page.Locator("#thumbnails canvas").First.WaitForAsync();
        Assert.Equal(48, await page.Locator("#thumbnails canvas").CountAsync());
        await page.Locator("#class-balance").WaitForAsync();
        await carol.Screenshot("03-dataset-preview");

        await page.ClickAsync("#nav-runs");
        await page.ClickAsync("#new-run");
        await carol.WaitForCircuit("#run-name");
        // The small CNN, not the MLP: on an idle machine the MLP finishes 3 epochs of 3000 images in well under a
        // second, too fast to watch its curve grow; the CNN takes a few seconds.
        await page.FillAsync("#run-name", "e2e cnn");
        await page.Locator(".mud-select:has(#run-dataset)").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "e2e-fashion-3000" }).ClickAsync();
        // The spec editor: the engine's complaint names the block path as it is typed, and a valid spec shows its blocks.
        await page.GetByText("Edit the spec JSON").ClickAsync();
        await page.FillAsync("#run-spec-json", """{"name":"bad","inputShape":[1,28,28],"layers":[{"type":"flatten"},{"type":"residual","body":[{"type":"linear","outFeatures":64}]}]}""");
        await page.Locator(".mud-input-helper-text.mud-input-error", new() { HasTextString = "layers[1]" }).WaitForAsync();
        await carol.Screenshot("04a-new-run-spec-error");
        await page.GetByText("fashion-cnn (").ClickAsync();
        await page.Locator("#run-spec-shapes .spec-total", new() { HasTextString = "220,426" }).WaitForAsync();
        await page.FillAsync("#run-epochs", "3");
        await page.FillAsync("#run-batch", "32");
        await page.Locator("#run-batch").BlurAsync();
        await carol.Screenshot("04-new-run");
        await page.ClickAsync("#start-run");
        await page.WaitForURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));

        // The step curve grows while the run trains: several different, rising point counts before it succeeds.
        var chart = page.Locator("[data-chart='Loss per step']");
        var seen = new List<int>();
        var succeeded = page.Locator("#run-state [data-state='Succeeded']");
        var midRunShot = false;
        await Poll.LastRead(async () =>
            {
                if (int.TryParse(await chart.GetAttributeAsync("data-points") ?? "0", out var points) && points > 0 && (seen.Count == 0 || points != seen[^1]))
                {
                    seen.Add(points);
                    if (!midRunShot && points > 50)
                    {
                        midRunShot = true;
                        await carol.Screenshot("05-run-live");
                    }
                }
                return await succeeded.CountAsync();
            },
            count => count > 0, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(50));
        Assert.True(await succeeded.CountAsync() == 1, $"The run did not succeed in time; point counts seen: {string.Join(", ", seen)}\n{portal.Portal.Log}");
        Assert.True(seen.Count >= 3, $"The curve should be seen growing; point counts seen: {string.Join(", ", seen)}");
        Assert.Equal(seen.OrderBy(p => p), seen);
        await page.Locator("[data-chart='Accuracy per epoch'][data-points='3']").WaitForAsync();
        await carol.Screenshot("06-run-done");

        // The same page in the dark theme, and the run's curves overlaid on the compare page.
        await page.ClickAsync("#theme-toggle");
        await page.Locator(".mud-theme-dark, body").First.WaitForAsync();
        await carol.Screenshot("06b-run-done-dark");
        await page.ClickAsync("#theme-toggle");
        var runId = page.Url.Split('/')[^1];
        await carol.Open($"/runs/compare?ids={runId}", "[data-chart='Train loss per epoch']");
        await page.Locator("[data-chart='Train loss per epoch'][data-points='3']").WaitForAsync();
        carol.AssertNoConsoleErrors();
    }

    /// <summary>
    /// Sets a file input and waits until the circuit has the file (the page names it). InputFile attaches its change
    /// listener only after the element first renders, so a file set in that moment goes unseen: set it again until the
    /// page names it, as a person would pick it again. On a fresh clone the first pick once went unseen for 30 s (the
    /// cause is not found), so the attempts span well over a minute.
    /// </summary>
    private static async Task Choose(Microsoft.Playwright.IPage page, string part, string path)
    {
        var chosen = page.Locator($".chosen-file[data-part='{part}']", new() { HasTextString = Path.GetFileName(path) });
        for (var attempt = 1; ; attempt++)
        {
            await page.SetInputFilesAsync($"#upload-{part}", path);
            try
            {
                await chosen.WaitForAsync(new() { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 9)
            {
            }
        }
    }
}
