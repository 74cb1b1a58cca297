namespace Portal.Server.Approvals;

public static class ApprovalsSetup
{
    public static IServiceCollection AddApprovals(this IServiceCollection services)
    {
        services.AddScoped<PromotionPolicies>();
        services.AddScoped<PromotionService>();
        services.AddScoped<AliasRollback>();
        services.AddHostedService<PromotionExpirySweep>();
        return services;
    }
}
