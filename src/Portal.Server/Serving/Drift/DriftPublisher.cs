using Portal.Server.Live;

namespace Portal.Server.Serving.Drift;

/// <summary>Measures drift every second and publishes each deployment's as event type <c>drift</c> on its live topic.</summary>
public sealed class DriftPublisher(DriftMonitor monitor, LiveBus bus, TimeProvider clock, ILogger<DriftPublisher> logger) : BackgroundService
{
    public const string EventType = "drift";
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var drift in monitor.Measure()) bus.Publish(DeploymentTopics.Deployment(drift.Model, drift.Alias), EventType, drift);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Measuring drift failed; it is measured again in {Period}.", Period);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
