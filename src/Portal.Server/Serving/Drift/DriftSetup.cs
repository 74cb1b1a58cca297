namespace Portal.Server.Serving.Drift;

public static class DriftSetup
{
    public static IServiceCollection AddDrift(this IServiceCollection services)
    {
        services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.Section);
        services.AddSingleton<DriftReferences>();
        services.AddSingleton<IDriftReferenceSource>(sp => sp.GetRequiredService<DriftReferences>());
        services.AddSingleton<DriftMonitor>();
        services.AddSingleton<IServingObserver>(sp => sp.GetRequiredService<DriftMonitor>());
        services.AddHostedService<DriftPublisher>();
        return services;
    }
}
