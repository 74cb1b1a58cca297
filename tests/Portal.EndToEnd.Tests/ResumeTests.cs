using Portal.EndToEnd.Tests.Infrastructure;
using Portal.Server.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests;

/// <summary>A run interrupted by a crash is resumed from its page, in the browser.</summary>
[Collection(PortalCollection.Name)]
public sealed class ResumeTests(PortalBrowser browser)
{
    [Fact]
    public async Task A_contributor_resumes_an_interrupted_run_from_its_page()
    {
        // A portal of this test's own: it is killed mid-run and started again on the same data, as after a crash.
        var crashed = await PortalProcess.Start();
        PortalProcess? restarted = null;
        try
        {
            await crashed.CreateUser("rita", "Contributor");
            var files = Directory.CreateTempSubdirectory("portal-e2e-resume-").FullName;
            var (images, labels) = IdxFiles.FirstOfFashionMnist(1000, files);
            Guid runId;
            using (var client = await crashed.SignedInClient("rita", PortalProcess.UserPassword))
            {
                var api = new PortalApi(client);
                var dataset = await api.UploadIdx("e2e-resume", images, labels, IdxFiles.FashionClassNames);
                runId = await api.StartRun("e2e resume", dataset, "fashion-mlp", new { epochs = 200, batchSize = 64 });
                // Killed once an epoch is checkpointed and stored, so there is something to continue from.
                var limit = TimeSpan.FromMinutes(3);
                await Poll.Until(async () => (await api.RunProgress(runId)).Epochs >= 1, limit, () => $"Waited {limit} for the run to store its first epoch.", TimeSpan.FromMilliseconds(200));
            }
            await crashed.Kill();
            restarted = await PortalProcess.Start(crashed.DataDirectory);

            var rita = await browser.SignIn("rita", PortalProcess.UserPassword, restarted);
            var page = rita.Page;
            await rita.Open($"/runs/{runId}", "#run-state [data-state='Interrupted']");
            await rita.WaitForCircuit("#resume-run");
            await rita.Screenshot("20-run-interrupted");

            await ClickUntilGone(page, "#resume-run");

            await page.Locator("#run-state [data-state='Running']").WaitForAsync(new() { Timeout = 120_000 });
            using (var client = await restarted.SignedInClient("rita", PortalProcess.UserPassword))
            {
                var (state, epochs) = await new PortalApi(client).RunProgress(runId);
                Assert.Equal("Running", state);
                Assert.True(epochs >= 1, "the resumed run keeps the epochs stored before the crash");
            }
            await rita.Screenshot("21-run-resumed");
            await page.ClickAsync("#cancel-run");
            await page.Locator("#run-state [data-state='Cancelled']").WaitForAsync(new() { Timeout = 60_000 });
            rita.AssertNoConsoleErrors();
        }
        finally
        {
            await crashed.DisposeAsync();
            if (restarted is not null) await restarted.DisposeAsync();
        }
    }

    /// <summary>Clicks until the button goes: a click that lands while the circuit is still connecting is not heard.</summary>
    private static async Task ClickUntilGone(Microsoft.Playwright.IPage page, string selector)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync(selector);
            try
            {
                await page.Locator(selector).WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached, Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 5)
            {
            }
        }
    }
}
