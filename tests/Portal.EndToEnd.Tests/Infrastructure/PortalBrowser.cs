using Microsoft.Playwright;

namespace Portal.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One portal process and one headless Debian Chromium for the whole suite (never `playwright install`).
/// Each user gets their own browser context, so two users act side by side with their own cookies.
/// </summary>
public sealed class PortalBrowser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public PortalProcess Portal { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Full-page screenshots land here, under the test output folder; scripts/test.sh keeps them.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        Portal = await PortalProcess.Start();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
    }

    /// <summary>Signs <paramref name="userName"/> in through the sign-in page and waits for the runs page's circuit.</summary>
    /// <param name="portal">Another portal than the suite's (one a test started itself); null for the suite's.</param>
    public async Task<PortalPage> SignIn(string userName, string password, PortalProcess? portal = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (portal ?? Portal).Address.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        await context.AddInitScriptAsync(PortalPage.ViolationRecorder);
        var page = new PortalPage(await context.NewPageAsync(), userName);
        await page.Page.GotoAsync("/runs");
        await page.Page.WaitForURLAsync("**/sign-in**");
        await page.Page.FillAsync("#user-name", userName);
        await page.Page.FillAsync("#password", password);
        await page.Page.ClickAsync("#sign-in");
        await page.Page.WaitForURLAsync("**/runs");
        await page.WaitForCircuit("#runs-table, #page-empty");
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Portal is not null) await Portal.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalBrowser>
{
    public const string Name = "portal in a browser";
}
