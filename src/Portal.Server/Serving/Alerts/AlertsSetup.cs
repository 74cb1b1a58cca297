using Portal.Server.Serving.Drift;

namespace Portal.Server.Serving.Alerts;

public static class AlertsSetup
{
    /// <summary>Drift measurement (whose PSI rules can watch), alert rules and the evaluator.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddDrift();
        services.AddScoped<AlertRules>();
        services.AddScoped<RaisedAlerts>();
        services.AddHostedService<AlertEvaluator>();
        return services;
    }
}
