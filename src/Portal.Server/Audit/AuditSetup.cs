using Portal.Server.Hosting;

namespace Portal.Server.Audit;

public static class AuditSetup
{
    public static IServiceCollection AddPortalAudit(this IServiceCollection services, PortalOptions options)
    {
        services.AddSingleton(_ => AuditChainKey.LoadOrCreate(DataFolder.Keys(options)));
        services.AddScoped<AuditLog>();
        services.AddScoped<AuditChainVerifier>();
        services.AddScoped<AuditQuery>();
        services.AddSingleton<AuditCheckpointLog>();
        services.AddSingleton<IStartupTask, AuditChainAnchor>();
        services.AddSingleton<AuditCheckpointWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditCheckpointWriter>());
        return services;
    }
}
