using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Portal.LiveBench;

/// <summary>
/// Opens the viewers on the queued run's page (one browser; per viewer a signed-in context with one page, and so
/// its own window, renderer process and Blazor circuit), starts the run by cancelling the job queued before it, waits until
/// every page shows it succeeded, then reads what each page timed and prints the figures and the RESULT line.
/// </summary>
public static class LiveBenchmark
{
    private const string StepChart = "Loss per step";

    public static async Task<int> Run(LiveBenchOptions o)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
        // One browser context — one window, signed in on its own — per viewer: Chromium runs a window's front tab at
        // normal priority and lowers the others' (nice 5), so ten tabs of one window would be one viewer and nine
        // background tabs, not ten people watching.
        var errors = new List<string>();
        var pages = new List<IPage>();
        for (var i = 1; i <= o.Viewers; i++)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = o.Portal.ToString(),
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            });
            var signIn = await context.APIRequest.PostAsync("/api/v1/auth/sign-in", new APIRequestContextOptions
            {
                DataObject = new { userName = o.UserName, password = o.Password },
            });
            if (!signIn.Ok) return Fail($"signing {o.UserName} in answered HTTP {signIn.Status}: {await signIn.TextAsync()}");
            var page = await context.NewPageAsync();
            var viewer = i;
            page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add($"viewer {viewer}: {m.Text}"); };
            page.PageError += (_, e) => { lock (errors) errors.Add($"viewer {viewer}: uncaught {e}"); };
            await page.GotoAsync($"/runs/{o.RunId}?live-timing");
            await page.WaitForFunctionAsync("() => window.Blazor !== undefined");
            // The run is still queued behind the release job: every step this page draws reaches it live.
            await page.Locator("#run-state [data-state='Queued']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            pages.Add(page);
        }
        var (renderers, normal) = await RendererProcesses(browser);
        Console.WriteLine($"{o.Viewers} viewers ready on /runs/{o.RunId}?live-timing: one Chromium, a window (context) and a Blazor circuit each; {renderers} renderer processes, {normal} at normal priority");

        using (var http = new HttpClient { BaseAddress = o.Portal })
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", o.ApiKey);
            using var cancel = await http.PostAsync($"/api/v1/jobs/{o.ReleaseJobId}/cancel", null);
            if (!cancel.IsSuccessStatusCode)
                return Fail($"cancelling the job queued before the run answered HTTP {(int)cancel.StatusCode}: {await cancel.Content.ReadAsStringAsync()}");
        }
        var started = DateTime.UtcNow;
        var browserCpuBefore = await BrowserCpuSeconds(browser);
        Console.WriteLine("released the run; watching it train");

        var deadline = started + o.Limit;
        foreach (var page in pages)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return Fail($"the run did not succeed on every page within {o.Limit.TotalSeconds:0} s");
            var done = page.Locator("#run-state [data-state='Succeeded'], #run-state [data-state='Failed'], #run-state [data-state='Cancelled']");
            await done.First.WaitForAsync(new LocatorWaitForOptions { Timeout = (float)left.TotalMilliseconds });
            var state = await page.Locator("#run-state [data-state]").First.GetAttributeAsync("data-state");
            if (state != "Succeeded")
            {
                var reason = await page.Locator("#run-error").AllInnerTextsAsync();
                return Fail($"the run ended {state}: {(reason.Count > 0 ? reason[0] : "no reason shown")}");
            }
        }
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        var browserCpu = CpuSince(browserCpuBefore, await BrowserCpuSeconds(browser));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"the run succeeded after {seconds:0.0} s; meanwhile Chromium used {browserCpu} of CPU ({Environment.ProcessorCount} cores)"));
        // The last batch's frame.
        await pages[^1].WaitForTimeoutAsync(500);

        Directory.CreateDirectory(o.OutputDirectory);
        await pages[0].ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(o.OutputDirectory, "viewer-1.png"), FullPage = true });
        var timings = new List<ViewerTiming>();
        for (var i = 0; i < pages.Count; i++) timings.Add(await Read(pages[i], i + 1));
        await File.WriteAllTextAsync(Path.Combine(o.OutputDirectory, "timings.json"), JsonSerializer.Serialize(timings));

        return Report(o, timings, errors);
    }

    private static async Task<ViewerTiming> Read(IPage page, int viewer)
    {
        var json = await page.EvaluateAsync<JsonElement?>($"() => (window.portalLiveTiming || {{}})[{JsonSerializer.Serialize(StepChart)}] || null");
        if (json is not { ValueKind: JsonValueKind.Object } t) return new ViewerTiming(viewer, [], [], [], []);
        double[] Numbers(string name) => [.. t.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];
        return new ViewerTiming(viewer, [.. t.GetProperty("sequence").EnumerateArray().Select(v => v.GetInt64())],
            Numbers("x"), Numbers("latencyMs"), Numbers("receivedMs"));
    }

    private static int Report(LiveBenchOptions o, List<ViewerTiming> timings, List<string> errors)
    {
        var status = 0;
        Console.WriteLine($"run steps: {o.Steps}");
        Console.WriteLine("step → drawn: p50/p95/max; step → received by the page (before the wait for a frame and the draw): p50/p95");
        Console.WriteLine("viewer  points  dropped     p50 ms     p95 ms     max ms   recv p50   recv p95");
        foreach (var t in timings)
        {
            var sorted = t.LatencyMs.Order().ToList();
            var received = t.ReceivedMs.Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.Viewer,6} {t.Points,7} {t.Missing(o.Steps),8} {ViewerTiming.Percentile(sorted, 50),10:F1} {ViewerTiming.Percentile(sorted, 95),10:F1} {(sorted.Count > 0 ? sorted[^1] : double.NaN),10:F1} {ViewerTiming.Percentile(received, 50),10:F1} {ViewerTiming.Percentile(received, 95),10:F1}"));
            if (t.OrderProblem() is { } problem)
            {
                Console.Error.WriteLine($"viewer {t.Viewer}: {problem}");
                status = 1;
            }
        }
        foreach (var e in errors)
        {
            Console.Error.WriteLine($"browser console error, {e}");
            status = 1;
        }
        var all = timings.SelectMany(t => t.LatencyMs).Order().ToList();
        var allReceived = timings.SelectMany(t => t.ReceivedMs).Order().ToList();
        var points = timings.Sum(t => t.Points);
        var dropped = timings.Sum(t => t.Missing(o.Steps));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all viewers: p50 {ViewerTiming.Percentile(all, 50):F1} ms, p95 {ViewerTiming.Percentile(all, 95):F1} ms, p99 {ViewerTiming.Percentile(all, 99):F1} ms, max {(all.Count > 0 ? all[^1] : double.NaN):F1} ms over {points} points; received by the pages: p50 {ViewerTiming.Percentile(allReceived, 50):F1} ms, p95 {ViewerTiming.Percentile(allReceived, 95):F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT live_p95_ms={ViewerTiming.Percentile(all, 95):F1} live_points={points} dropped_without_downsample={dropped}"));
        return status;
    }

    /// <summary>
    /// The browser's renderer processes (Chrome DevTools Protocol, SystemInfo.getProcessInfo) and how many of them
    /// run at normal priority (nice 0) rather than as background tabs.
    /// </summary>
    private static async Task<(int Renderers, int Normal)> RendererProcesses(IBrowser browser)
    {
        var session = await browser.NewBrowserCDPSessionAsync();
        var info = await session.SendAsync("SystemInfo.getProcessInfo");
        if (info is not { } i) return (0, 0);
        var ids = i.GetProperty("processInfo").EnumerateArray()
            .Where(p => p.GetProperty("type").GetString() == "renderer").Select(p => p.GetProperty("id").GetInt32()).ToList();
        return (ids.Count, ids.Count(id => Nice(id) == 0));
    }

    /// <summary>CPU time of the browser's processes so far by process type (SystemInfo.getProcessInfo), in seconds.</summary>
    private static async Task<Dictionary<string, double>> BrowserCpuSeconds(IBrowser browser)
    {
        var session = await browser.NewBrowserCDPSessionAsync();
        var info = await session.SendAsync("SystemInfo.getProcessInfo");
        if (info is not { } i) return [];
        return i.GetProperty("processInfo").EnumerateArray()
            .GroupBy(p => p.GetProperty("type").GetString() ?? "?")
            .ToDictionary(g => g.Key, g => g.Sum(p => p.GetProperty("cpuTime").GetDouble()));
    }

    private static string CpuSince(Dictionary<string, double> before, Dictionary<string, double> after) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{after.Values.Sum() - before.Values.Sum():0.0} s ({string.Join(", ", after.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value - before.GetValueOrDefault(a.Key):0.0}"))})");

    // Field 19 of /proc/PID/stat, counted after the parenthesised command name.
    private static int? Nice(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[16], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}
