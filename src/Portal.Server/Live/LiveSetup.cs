using Microsoft.AspNetCore.SignalR;

namespace Portal.Server.Live;

public static class LiveSetup
{
    public const string HubPath = "/hubs/live";

    public static void AddPortalLive(IServiceCollection services)
    {
        services.AddSingleton<LiveBus>(sp => new LiveBus(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LiveCounters>();
        services.AddSingleton<LiveHubAccess>();
        services.AddSignalR().AddHubOptions<LiveHub>(o => o.AddFilter<LiveHubAccess>());
        LiveHubDocumentation.AddToOpenApi(services);
    }

    public static void MapLiveHub(IEndpointRouteBuilder app) =>
        app.MapHub<LiveHub>(HubPath).RequireAuthorization(LiveHubAccess.Policy);
}
