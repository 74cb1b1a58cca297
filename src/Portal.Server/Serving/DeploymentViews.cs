namespace Portal.Server.Serving;

/// <summary>A deployment as /api/v1/deployments shows it, with its live window (one entry per served version).</summary>
public sealed record DeploymentView(
    string Model,
    string Alias,
    bool Ready,
    string? Problem,
    ServedVersionView? Version,
    CanaryView? Canary,
    BatchingSettings Batching,
    DeploymentMetrics? Metrics);

/// <summary>A served version: its number, id and the tensors it takes and gives.</summary>
public sealed record ServedVersionView(int Number, Guid Id, string Input, string Output, int QueueDepth);

public sealed record CanaryView(int Version, Guid VersionId, double Percent, string Input, string Output);

/// <summary>PUT …/batching: each value omitted (null) falls back to the configured default.</summary>
public sealed record BatchingInput(int? MaxBatchSize, int? MaxQueueDelayMicroseconds, int? MaxQueueSize);

/// <summary>PUT …/canary: send <see cref="Percent"/> % (more than 0, less than 100) of the requests to version <see cref="Version"/>.</summary>
public sealed record CanaryInput(int Version, double Percent);

internal static class DeploymentViews
{
    public static DeploymentView View(Deployment deployment, TimeProvider clock)
    {
        var routing = deployment.Current;
        DeploymentMetrics? metrics = null;
        if (routing.Primary is { } primary)
        {
            var versions = routing.Versions.Select(v => DeploymentMetricsPublisher.View(v, v.Window.Snapshot())).ToList();
            metrics = new DeploymentMetrics(deployment.Model, deployment.Alias, clock.GetUtcNow(), primary.Window.Seconds, versions);
        }
        return new DeploymentView(
            deployment.Model,
            deployment.Alias,
            deployment.IsReady,
            deployment.Problem,
            routing.Primary is { } p ? new ServedVersionView(p.Number, p.VersionId, p.Input.ToString(), p.Output.ToString(), p.QueueDepth) : null,
            routing.Canary is { } c ? new CanaryView(c.Number, c.VersionId, routing.CanaryPercent, c.Input.ToString(), c.Output.ToString()) : null,
            deployment.Batching,
            metrics);
    }
}
