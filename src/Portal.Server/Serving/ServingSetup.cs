using OpenTelemetry.Metrics;
using Portal.Server.Hosting;
using Portal.Server.Registry;

namespace Portal.Server.Serving;

public static class ServingSetup
{
    /// <summary>Deployments, their loading at start and on alias moves, the per-second metrics and the OpenTelemetry Prometheus exporter.</summary>
    public static IServiceCollection AddServing(this IServiceCollection services)
    {
        services.AddOptions<ServingOptions>().BindConfiguration(ServingOptions.Section);
        services.AddSingleton<ServingDevice>();
        services.AddSingleton<IStartupTask, ServingDevice.Startup>();
        services.AddSingleton<DeploymentSet>();
        services.AddSingleton<IAliasMoveObserver>(sp => sp.GetRequiredService<DeploymentSet>());
        services.AddSingleton<IStartupTask, DeploymentStartup>();
        services.AddSingleton<DeploymentMetricsPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentMetricsPublisher>());
        services.AddScoped<DeploymentService>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProtocolAuthorizationResults>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Portal.*")
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            // The runtime's own meter: managed heap, GC counts, working set, thread pool; what an operator reads
            // first when resident memory moves.
            .AddMeter("System.Runtime")
            .AddPrometheusExporter());
        return services;
    }

    private sealed class DeploymentStartup : IStartupTask
    {
        // After migrations, the admin and job recovery: serving needs the database, not the other way round.
        public int Order => 40;

        public Task Run(IServiceProvider services, CancellationToken ct) => services.GetRequiredService<DeploymentSet>().LoadAll(ct);
    }
}
