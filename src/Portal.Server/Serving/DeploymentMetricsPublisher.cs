using Portal.Contracts.Serving;
using Portal.Server.Live;

namespace Portal.Server.Serving;

/// <summary>Every second, each served deployment's sliding window goes out on its live bus topic as a <c>metrics</c> event.</summary>
public sealed class DeploymentMetricsPublisher(DeploymentSet deployments, LiveBus bus, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) PublishOnce();
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Reads every window once and publishes it; the read is kept on each version for the API and the throughput gauge.</summary>
    public void PublishOnce()
    {
        var now = clock.GetUtcNow();
        foreach (var deployment in deployments.All)
        {
            var routing = deployment.Current;
            if (routing.Primary is null) continue;
            var versions = routing.Versions.Select(Read).ToList();
            var seconds = routing.Primary.Window.Seconds;
            bus.Publish(DeploymentTopics.Deployment(deployment.Model, deployment.Alias), "metrics",
                new DeploymentMetrics(deployment.Model, deployment.Alias, now, seconds, versions));
        }
    }

    /// <summary>The live window of one served version, as published.</summary>
    public static VersionWindowMetrics View(ServedVersion version, WindowSnapshot window) => new(
        version.VersionId, version.Number, version.IsCanary, window.Requests, window.Failures, window.ErrorRate,
        window.RequestsPerSecond, window.P50Ms, window.P95Ms, window.P99Ms, window.MeanBatchSize);

    private static VersionWindowMetrics Read(ServedVersion version)
    {
        var window = version.Window.Snapshot();
        version.LastWindow = window;
        return View(version, window);
    }
}
