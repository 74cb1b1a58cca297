using Portal.Server.Jobs;

namespace Portal.Server.Training;

public static class TrainingSetup
{
    public static IServiceCollection AddPortalTraining(this IServiceCollection services)
    {
        services.AddScoped<TrainingService>();
        services.AddSingleton<TrainingJobHandler>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<TrainingJobHandler>());
        services.AddSingleton<IJobHandler, RunExportJobHandler>();
        services.AddSingleton<Live.ILiveTopicEnd, RunTopicEnd>();
        return services;
    }
}
