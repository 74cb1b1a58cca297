namespace Portal.Server.Registry;

public static class RegistrySetup
{
    /// <summary>The registry's services; <see cref="AliasMover"/> is registered with the shared services, as approvals use it too.</summary>
    public static IServiceCollection AddRegistry(this IServiceCollection services)
    {
        services.AddSingleton(new EvidenceMeterOptions());
        services.AddSingleton<EvidenceMeter>();
        services.AddScoped<ModelRegistry>();
        services.AddScoped<VersionRegistration>();
        services.AddScoped<AliasRegistry>();
        return services;
    }
}
