using Portal.EndToEnd.Tests.Infrastructure;
using Portal.Server.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests;

[Collection(PortalCollection.Name)]
public sealed class PromotionTests(PortalBrowser portal)
{
    [Fact]
    public async Task A_promotion_requested_by_a_contributor_is_approved_by_an_approver_and_its_deployment_shows_live_traffic()
    {
        await portal.Portal.CreateUser("dave", "Contributor");
        await portal.Portal.CreateUser("ada", "Approver");
        using (var client = await portal.Portal.SignedInClient("dave", PortalProcess.UserPassword))
        {
            var api = new PortalApi(client);
            var files = Directory.CreateTempSubdirectory("portal-e2e-idx-").FullName;
            var (images, labels) = IdxFiles.FirstOfFashionMnist(2000, files);
            var train = await api.UploadIdx("e2e-promo-train", images, labels, IdxFiles.FashionClassNames);
            var run = await api.Train("e2e promo mlp", train, "fashion-mlp", new { epochs = 1, batchSize = 64 }, TimeSpan.FromMinutes(5));
            await api.RegisterVersion("e2e-promo", run, await api.DatasetId("fashion-mnist-test"));
        }

        var dave = await portal.SignIn("dave", PortalProcess.UserPassword);
        await dave.Open("/models/e2e-promo", "#version-detail");
        Assert.Equal(0, await dave.Page.Locator(".rollback").CountAsync());
        await dave.Page.FillAsync("#promote-comment", "first model for production");
        await dave.Page.ClickAsync("#request-promotion");
        await dave.Page.Locator("#model-message", new() { HasTextString = "Requested" }).WaitForAsync();
        await dave.Screenshot("07-promotion-requested");

        // The requester may cancel but not decide.
        await dave.Open("/approvals", ".promotion-card");
        Assert.Equal(0, await dave.Page.Locator(".promotion-card .approve").CountAsync());
        Assert.Equal(1, await dave.Page.Locator(".promotion-card .cancel-request").CountAsync());
        await dave.Screenshot("08-approvals-as-requester");

        var ada = await portal.SignIn("ada", PortalProcess.UserPassword);
        await ada.Open("/approvals", ".promotion-card");
        var card = ada.Page.Locator(".promotion-card", new() { HasTextString = "e2e-promo: production → v1" });
        Assert.Equal(0, await card.Locator(".cancel-request").CountAsync());
        await card.Locator("input").First.FillAsync("evidence looks good");
        await card.Locator(".approve").ClickAsync();
        await ada.Page.Locator("#approvals-message", new() { HasTextString = "Approved" }).WaitForAsync();
        await ada.Page.Locator(".mud-toggle-item", new() { HasTextString = "Approved" }).ClickAsync();
        await ada.Page.Locator(".promotion-card .promotion-state", new() { HasTextString = "Approved" }).WaitForAsync();
        await ada.Screenshot("09-approved");

        await ada.Open("/models/e2e-promo", "#version-detail");
        await ada.Page.Locator(".alias-chip", new() { HasTextString = "production → v1" }).WaitForAsync();
        Assert.Equal(1, await ada.Page.Locator(".rollback").CountAsync());
        await ada.Page.GetByText("History").First.ClickAsync();
        await ada.Page.Locator("#alias-history").WaitForAsync();
        await ada.Screenshot("10-model-after-promotion");

        // The approved alias is served under /v2; a few seconds of requests show on the deployment page as they happen,
        // and drift is drawn every second against the threshold of the PSI rule ada sets.
        string device, reason;
        using (var client = await portal.Portal.SignedInClient("ada", PortalProcess.UserPassword))
        {
            var api = new PortalApi(client);
            await api.CreateAlertRule("inputs shifted", "psi_input", 0.2, 30, "e2e-promo");
            (device, reason) = await api.ExecutionProvider();
        }
        await ada.Open("/deployments/e2e-promo/production", "#deployment-summary");
        // The page says what GET /v2 says: the device the server's sessions run on, and why.
        Assert.Equal($"Serving on {device.ToUpperInvariant()}: {reason}", (await ada.Page.Locator("#serving-device").InnerTextAsync()).Trim());
        Assert.Contains("inputs shifted (psi_input > 0.2 for 30 s)", await ada.Page.Locator("#deployment-drift-rules").InnerTextAsync());
        using (var client = await portal.Portal.SignedInClient("dave", PortalProcess.UserPassword))
        {
            var api = new PortalApi(client);
            var input = await api.InputName("e2e-promo");
            using var stop = new CancellationTokenSource();
            var traffic = api.InferRepeatedly("e2e-promo", input, stop.Token);
            var throughput = ada.Page.Locator("[data-chart='Throughput']");
            await Poll.LastRead(async () => int.TryParse(await throughput.GetAttributeAsync("data-points") ?? "0", out var points) ? points : 0,
                points => points >= 8, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
            Assert.NotEqual("–", await ada.Page.Locator("#deployment-rps").InnerTextAsync());
            Assert.True(int.Parse(await ada.Page.Locator("[data-chart='Drift (PSI)']").GetAttributeAsync("data-points") ?? "0") > 0, "no drift report was drawn");
            await ada.Screenshot("11-deployment-live");
            await stop.CancelAsync();
            var sent = await traffic;
            Assert.True(sent > 0, "no inference request succeeded");
        }

        await ada.Open("/audit", "#audit-table");
        await ada.Page.ClickAsync("#audit-verify");
        await ada.Page.Locator("#audit-chain", new() { HasTextString = "intact" }).WaitForAsync();
        await ada.Screenshot("12-audit-log");
        await ada.Open("/api-keys", "#key-name");
        await ada.Page.FillAsync("#key-name", "e2e script");
        await ada.Page.ClickAsync("#key-create");
        await ada.Page.Locator("#key-secret").WaitForAsync();
        await ada.Screenshot("13-api-keys");

        // Users and roles is the Admin's page; the nav shows it only to Admins.
        Assert.Equal(0, await ada.Page.Locator("#nav-users").CountAsync());
        var admin = await portal.SignIn("admin", PortalProcess.AdminPassword);
        await admin.Page.ClickAsync("#nav-users");
        await admin.WaitForCircuit("#users-table");
        await admin.Page.Locator("#users-table", new() { HasTextString = "ada" }).WaitForAsync();
        await admin.Screenshot("14-users");

        dave.AssertNoConsoleErrors();
        ada.AssertNoConsoleErrors();
        admin.AssertNoConsoleErrors();
    }
}
