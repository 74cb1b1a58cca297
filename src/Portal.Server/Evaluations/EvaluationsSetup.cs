using Portal.Server.Jobs;

namespace Portal.Server.Evaluations;

public static class EvaluationsSetup
{
    public static IServiceCollection AddEvaluations(this IServiceCollection services)
    {
        services.AddScoped<EvaluationService>();
        services.AddSingleton<IJobHandler, EvaluationJobHandler>();
        return services;
    }
}
