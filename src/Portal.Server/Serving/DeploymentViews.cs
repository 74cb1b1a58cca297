using Portal.Contracts.Serving;

namespace Portal.Server.Serving;

/// <summary>Deployments as the API shows them (the records are Portal.Contracts').</summary>
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
            routing.Primary is { } p ? new ServedVersionView(p.Number, p.VersionId, p.InputsText, p.OutputsText, p.QueueDepth, p.Batching.Text) : null,
            routing.Canary is { } c ? new CanaryView(c.Number, c.VersionId, routing.CanaryPercent, c.InputsText, c.OutputsText, c.Batching.Text) : null,
            deployment.Batching,
            metrics);
    }
}
