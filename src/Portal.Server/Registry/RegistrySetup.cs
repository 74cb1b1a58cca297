using Microsoft.Extensions.Options;
using Portal.Engine.Evaluation;
using Portal.Server.Serving;

namespace Portal.Server.Registry;

public static class RegistrySetup
{
    /// <summary>The registry's services; <see cref="AliasMover"/> is registered with the shared services, as approvals use it too.</summary>
    public static IServiceCollection AddRegistry(this IServiceCollection services)
    {
        services.AddSingleton(new MeasurementOptions());
        // One meter times every version and every compression report, with serving's session settings, so the
        // figures predict what serving sees and two measurements never share the cores.
        services.AddSingleton(sp =>
        {
            var serving = sp.GetRequiredService<IOptions<ServingOptions>>().Value.Sessions;
            return new ModelMeter(sp.GetRequiredService<MeasurementOptions>() with { IntraOpThreads = serving.IntraOpThreads, PreferCuda = serving.PreferCuda });
        });
        services.AddSingleton<EvidenceMeasurement>();
        services.AddScoped<SucceededRuns>();
        services.AddScoped<EvaluationDatasets>();
        services.AddScoped<VersionRecorder>();
        services.AddScoped<ModelRegistry>();
        services.AddScoped<VersionRegistration>();
        services.AddScoped<VersionImports>();
        services.AddSingleton<Jobs.IJobHandler, ImportJobHandler>();
        services.AddScoped<AliasRegistry>();
        return services;
    }
}
