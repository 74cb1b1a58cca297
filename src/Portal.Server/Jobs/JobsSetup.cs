using Portal.Server.Hosting;

namespace Portal.Server.Jobs;

public static class JobsSetup
{
    /// <summary>The persisted queue, its runner, start-up recovery and the service behind the jobs API. Handlers register as <see cref="IJobHandler"/>.</summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services)
    {
        services.AddSingleton<JobQueue>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<IStartupTask, JobRecovery>();
        services.AddScoped<JobService>();
        services.AddHostedService<JobRunner>();
        return services;
    }
}
