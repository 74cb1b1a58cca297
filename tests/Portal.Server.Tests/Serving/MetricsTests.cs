using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Serving;
using Portal.Server.Live;
using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class MetricsTests(ServingPortal portal)
{
    [Fact]
    public async Task Prometheus_text_carries_the_latency_histogram_per_deployment_and_version_for_a_viewer_only()
    {
        var model = await portal.CreateModel();
        for (var i = 0; i < 5; i++) await (await portal.Viewer.Infer(model, InferCalls.Row(i))).Outputs();

        var anonymous = await portal.AnonymousClient().GetAsync("/metrics");
        // The exporter caches its text for a moment; wait for a scrape that has this model.
        string text = "";
        for (var attempt = 0; attempt < 50 && !text.Contains(model, StringComparison.Ordinal); attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            text = await portal.Viewer.GetStringAsync("/metrics");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var lines = text.Split('\n').Where(l => l.Contains($"model=\"{model}\"", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.StartsWith("portal_inference_request_duration_seconds_bucket{", StringComparison.Ordinal) && l.Contains("version=\"1\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("portal_inference_request_duration_seconds_count{", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 5", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("portal_inference_requests_total{", StringComparison.Ordinal) && l.Contains("alias=\"production\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("portal_inference_successes_total{", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("portal_inference_batch_size_", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("portal_inference_queue_duration_seconds_", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("portal_inference_compute_duration_seconds_", StringComparison.Ordinal));
        // The runtime's meter rides along, so an operator can tell managed heap from native memory.
        Assert.Contains(text.Split('\n'), l => l.StartsWith("dotnet_gc_last_collection_heap_size_bytes", StringComparison.Ordinal));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("dotnet_process_memory_working_set_bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_second_the_live_bus_carries_the_windows_true_percentiles_per_version()
    {
        var model = await portal.CreateModel();
        using var events = portal.Services.GetRequiredService<LiveBus>().Subscribe(DeploymentTopics.Deployment(model, "production"));
        for (var i = 0; i < 20; i++) await (await portal.Viewer.Infer(model, InferCalls.Row(i))).Outputs();

        DeploymentMetrics? metrics = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in events.WithCancellation(timeout.Token))
        {
            if (e.Type == "metrics" && e.Data is DeploymentMetrics m && m.Versions.Sum(v => v.Requests) == 20)
            {
                metrics = m;
                break;
            }
        }

        Assert.NotNull(metrics);
        Assert.Equal(model, metrics.Model);
        Assert.Equal("production", metrics.Alias);
        var version = Assert.Single(metrics.Versions);
        Assert.Equal(1, version.VersionNumber);
        Assert.False(version.IsCanary);
        Assert.Equal(0, version.Failures);
        Assert.True(version.P50Ms > 0);
        Assert.True(version.P50Ms <= version.P95Ms && version.P95Ms <= version.P99Ms, $"p50 {version.P50Ms}, p95 {version.P95Ms}, p99 {version.P99Ms}");
        Assert.Equal(20 / metrics.WindowSeconds, version.RequestsPerSecond, 6);
    }

    [Fact]
    public async Task The_deployment_list_shows_each_deployment_with_its_version_and_window()
    {
        var model = await portal.CreateModel(2, ("production", 1), ("staging", 2));

        var page = await portal.Viewer.GetFromJsonAsync<Page<DeploymentView>>("/api/v1/deployments?limit=500", Infrastructure.HttpJson.Options);

        var mine = page!.Items.Where(d => d.Model == model).OrderBy(d => d.Alias).ToList();
        Assert.Equal(["production", "staging"], mine.Select(d => d.Alias));
        Assert.Equal([1, 2], mine.Select(d => d.Version!.Number));
        Assert.All(mine, d => Assert.True(d.Ready));
        Assert.All(mine, d => Assert.Contains("'input'", d.Version!.Input));
    }
}
