using Portal.Server.Jobs;

namespace Portal.Server.Compression;

public static class CompressionSetup
{
    public static IServiceCollection AddCompression(this IServiceCollection services)
    {
        services.AddScoped<CompressionService>();
        services.AddSingleton<IJobHandler, CompressionJobHandler>();
        return services;
    }
}
