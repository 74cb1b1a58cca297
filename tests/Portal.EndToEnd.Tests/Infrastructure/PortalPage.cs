using Microsoft.Playwright;

namespace Portal.EndToEnd.Tests.Infrastructure;

/// <summary>A signed-in user's tab: records every console error and uncaught exception, and takes named screenshots.</summary>
public sealed class PortalPage
{
    private readonly List<string> _errors = [];

    public PortalPage(IPage page, string userName)
    {
        Page = page;
        UserName = userName;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_errors) _errors.Add($"{page.Url}: {message.Text}");
        };
        page.PageError += (_, error) =>
        {
            lock (_errors) _errors.Add($"{page.Url}: uncaught {error}");
        };
    }

    /// <summary>
    /// Run before any script of every page: keeps each Content-Security-Policy violation the page reports (the
    /// blocked script or resource and where it was) in <c>window.__portalCspViolations</c>.
    /// </summary>
    public const string ViolationRecorder = """
        window.__portalCspViolations = [];
        document.addEventListener("securitypolicyviolation", e => window.__portalCspViolations.push(
          `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${e.sourceFile || location.pathname}:${e.lineNumber} ${e.sample}`));
        """;

    public IPage Page { get; }

    public string UserName { get; }

    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    /// <summary>Opens <paramref name="path"/> and waits until the circuit has rendered <paramref name="selector"/>.</summary>
    public async Task Open(string path, string selector)
    {
        await Page.GotoAsync(path);
        await WaitForCircuit(selector);
    }

    public async Task WaitForCircuit(string selector)
    {
        await Page.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await Page.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
    }

    /// <summary>The Content-Security-Policy violations the current page has reported since it loaded.</summary>
    public async Task<IReadOnlyList<string>> CspViolations() => await Page.EvaluateAsync<string[]>("() => window.__portalCspViolations ?? []");

    public async Task Screenshot(string name)
    {
        // Let a frame pass so charts fed in the last batch are drawn.
        await Page.WaitForTimeoutAsync(300);
        await Page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(PortalBrowser.ScreenshotDirectory, $"{name}.png"),
            FullPage = true,
        });
    }

    public void AssertNoConsoleErrors() => Assert.True(ConsoleErrors.Count == 0, $"Console errors for {UserName}:\n{string.Join("\n", ConsoleErrors)}");
}
