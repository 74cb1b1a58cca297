using System.Text;
using Microsoft.Playwright;
using Portal.EndToEnd.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests;

/// <summary>
/// Everything a user can name is stored with markup that runs script wherever it is inserted as markup, and an
/// Admin then opens every page of the portal in both themes: no script may run, no markup may reach the DOM as
/// elements, and no Content-Security-Policy violation may be reported.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class HostileTextTests(PortalBrowser portal)
{
    private const string Model = "e2e-xss";
    private const string Contributor = "mallory";

    /// <summary>
    /// A page, what it shows once rendered, and what to click to show more. The API reference is no circuit page
    /// and has no theme of ours; it is visited for its policy.
    /// </summary>
    private sealed record Visit(string Path, string Ready, bool ShowsHostileText = true, Func<IPage, Task>? Reveal = null, bool Circuit = true);

    [Fact]
    public async Task Markup_in_user_controlled_strings_never_runs_as_script_on_any_page_in_either_theme()
    {
        await portal.Portal.CreateUser(Contributor, "Contributor");
        using var adminClient = await portal.Portal.SignedInClient("admin", PortalProcess.AdminPassword);
        var adminApi = new PortalApi(adminClient);
        var contributorId = (await adminApi.Users())[Contributor].Id;

        // The issue's attack: a class name that makes its uploader an Admin when an Admin's browser runs it.
        var escalation = "<img src=x onerror=\"window.__portalXss='role';fetch('/api/v1/users/" + contributorId +
                         "/role',{method:'PUT',headers:{'content-type':'application/json'},body:JSON.stringify({role:'Admin'})})\">";
        var classes = new[] { Hostile("cls0"), Hostile("cls1"), escalation };
        // Dataset names, like model names, are refused unless they are letters, digits, '-', '_' and '.', so no markup
        // reaches a page through them.
        const string dataset = "hostile-train";
        Guid run;
        Guid promotion;
        using (var client = await portal.Portal.SignedInClient(Contributor, PortalProcess.UserPassword))
        {
            var api = new PortalApi(client);
            var datasetId = await api.UploadCsv(dataset, Csv(Hostile("col"), classes), "label");
            var heldOutId = await api.UploadCsv("hostile-test", Csv(Hostile("col"), classes), "label");
            var spec = new
            {
                name = Hostile("spec"),
                inputShape = new[] { 2 },
                layers = new object[] { new { type = "linear", outFeatures = 8 }, new { type = "relu" }, new { type = "linear", outFeatures = 3 } },
            };
            run = await api.Train(Hostile("run"), datasetId, spec, new { epochs = 2, batchSize = 8 }, TimeSpan.FromMinutes(3));
            await api.RegisterVersion(Model, run, heldOutId, description: Hostile("desc"));
            await api.SetTag(Model, 1, "note", Hostile("tag"));
            promotion = await api.RequestPromotion(Model, "production", 1, Hostile("ask"));
        }
        await adminApi.ApprovePromotion(promotion, Hostile("yes"));
        await adminApi.CreateAlertRule(Hostile("rule"), "psi_input", 0.2, 30, Model);
        await adminApi.CreateApiKey(Hostile("key"));

        Visit[] visits =
        [
            new("/runs", "#runs-table"),
            // The form lists datasets and ready specs by name, and names hold no markup.
            new("/runs/new", "#run-name", ShowsHostileText: false, Reveal: async page =>
            {
                await page.Locator(".mud-select:has(#run-dataset)").First.ClickAsync();
                await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = dataset }).WaitForAsync();
            }),
            new($"/runs/{run}", "#run-title"),
            new($"/runs/compare?ids={run}", "[data-chart='Train loss per epoch']"),
            new("/datasets", "#datasets-table", Reveal: async page =>
            {
                await page.Locator("#datasets-table tr", new() { HasTextString = dataset }).ClickAsync();
                await page.Locator("#class-balance").WaitForAsync();
            }),
            new("/models", "#models-table"),
            new($"/models/{Model}", "#version-detail"),
            new($"/compression?model={Model}&version=1", "#lab-compressions", ShowsHostileText: false),
            new($"/deployments/{Model}/production", "#deployment-summary"),
            new("/approvals", "#approvals-filter", Reveal: async page =>
            {
                await page.Locator("#approvals-filter .mud-toggle-item", new() { HasTextString = "All" }).ClickAsync();
                await page.Locator(".promotion-card", new() { HasTextString = Hostile("ask") }).WaitForAsync();
            }),
            new("/audit", "#audit-table"),
            new("/api-keys", "#keys-table"),
            new("/users", "#users-table", ShowsHostileText: false),
            new("/reference/", ".section-header-label", ShowsHostileText: false, Circuit: false),
        ];

        var admin = await portal.SignIn("admin", PortalProcess.AdminPassword);
        var findings = new List<string>();
        foreach (var theme in new[] { "light", "dark" })
        {
            await admin.Page.EvaluateAsync("theme => localStorage.setItem('portal.theme', theme)", theme);
            foreach (var visit in visits)
                findings.AddRange(await Check(admin, visit, theme));
        }

        var role = (await adminApi.Users())[Contributor].Role;
        if (role != "Contributor") findings.Add($"{Contributor} the Contributor is now {role}");
        Assert.True(findings.Count == 0, $"Hostile text was not kept as text:\n{string.Join("\n", findings)}");
        admin.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Script_that_reaches_a_page_as_markup_is_refused_by_the_content_security_policy()
    {
        var admin = await portal.SignIn("admin", PortalProcess.AdminPassword);
        await admin.Open("/datasets", "#datasets-table");

        // What a sink that let markup through would try: an inline event handler, an inline script element, eval.
        await admin.Page.EvaluateAsync("""
            () => {
              const box = document.createElement("div");
              box.innerHTML = `<img src="x" onerror="window.__portalXss='handler'">`;
              document.body.append(box);
              const script = document.createElement("script");
              script.textContent = "window.__portalXss = 'inline script'";
              document.body.append(script);
              // A script the policy admits (it carries the page's nonce) may still not eval. It evals in a task of its
              // own: while DevTools evaluates this function, the browser lets any code eval.
              const admitted = document.createElement("script");
              admitted.nonce = document.querySelector("script[nonce]")?.nonce ?? "";
              admitted.textContent = "setTimeout(() => { try { eval(\"window.__portalXss = 'eval'\") } catch { window.__portalEvalRefused = true } })";
              document.body.append(admitted);
            }
            """);
        await admin.Page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete) && (window.__portalEvalRefused || window.__portalXss)");
        await admin.Page.EvaluateAsync("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))");

        Assert.Null(await admin.Page.EvaluateAsync<string?>("() => window.__portalXss ?? null"));
        var violations = await admin.CspViolations();
        Assert.Contains(violations, v => v.StartsWith("script-src-attr refused inline", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("script-src-elem refused inline", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("script-src refused eval", StringComparison.Ordinal));
    }

    /// <summary>Opens the page in the theme and lists what went wrong on it: script that ran, markup that became elements, policy violations.</summary>
    private static async Task<IReadOnlyList<string>> Check(PortalPage admin, Visit visit, string theme)
    {
        var page = admin.Page;
        if (visit.Circuit)
        {
            await admin.Open(visit.Path, visit.Ready);
            // The light palette's background is white, the dark one's is not.
            await page.WaitForFunctionAsync("dark => (getComputedStyle(document.body).backgroundColor === 'rgb(255, 255, 255)') !== dark", theme == "dark");
        }
        else
        {
            await page.GotoAsync(visit.Path);
            await page.Locator(visit.Ready).First.WaitForAsync();
        }
        if (visit.Reveal is not null) await visit.Reveal(page);
        if (visit.ShowsHostileText) await page.GetByText("window.__portalXss").First.WaitForAsync();
        // A broken image's error handler runs in the task that marks it complete.
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");
        await page.EvaluateAsync("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))");
        if (visit.Path is "/datasets" or $"/models/{Model}") await admin.Screenshot($"xss{visit.Path.Replace('/', '-')}-{theme}");

        var found = new List<string>();
        var ran = await page.EvaluateAsync<string?>("() => window.__portalXss ?? null");
        if (ran is not null) found.Add($"{visit.Path} ({theme}): script from '{ran}' ran");
        var handlers = await page.EvaluateAsync<int>("() => document.querySelectorAll('[onerror], [onload], [onclick]').length");
        if (handlers > 0) found.Add($"{visit.Path} ({theme}): {handlers} element(s) with an inline event handler in the page");
        found.AddRange((await admin.CspViolations()).Select(v => $"{visit.Path} ({theme}): CSP violation: {v}"));
        return found;
    }

    /// <summary>
    /// Markup that sets <c>window.__portalXss</c> to <paramref name="where"/> if it is inserted as markup, whether
    /// between elements or inside a quoted attribute value (the leading quotes close it). At most 100 characters,
    /// the shortest limit on a name (alert rules, API keys).
    /// </summary>
    private static string Hostile(string where)
    {
        var markup = $"\"'><img src=x onerror=\"window.__portalXss='{where}'\"><script>window.__portalXss='{where}'</script>";
        if (markup.Length > 100) throw new ArgumentException($"'{where}' makes the markup longer than 100 characters.", nameof(where));
        return markup;
    }

    /// <summary>Two feature columns (the second named <paramref name="column"/>) and a label column; each class's rows sit apart.</summary>
    private static string Csv(string column, IReadOnlyList<string> classes)
    {
        var text = new StringBuilder($"width,{Quoted(column)},label\n");
        for (var row = 0; row < 60; row++)
        {
            var c = row % classes.Count;
            text.Append(FormattableString.Invariant($"{c + row % 7 * 0.05},{c * 0.5 - row % 5 * 0.05},{Quoted(classes[c])}\n"));
        }
        return text.ToString();
    }

    private static string Quoted(string field) => $"\"{field.Replace("\"", "\"\"")}\"";
}
