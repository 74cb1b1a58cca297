using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace Portal.Server.Components;

/// <summary>
/// The browser portal: interactive server-side Razor components (MudBlazor) whose pages live in the feature
/// folders and call the same feature services as the REST handlers. Sign-in itself goes through the REST
/// endpoint, so the cookie is issued in one place.
/// </summary>
public static class UiSetup
{
    public const string SignInPath = "/sign-in";
    public const string ForbiddenPath = "/forbidden";

    public static IServiceCollection AddPortalUi(IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, CircuitAuthenticationState>();
        services.AddMudServices();
        services.AddScoped<FeatureServices>();
        services.AddScoped<Registry.RunLineage>();
        services.AddSingleton<Datasets.DatasetPreview>();
        services.AddSingleton<TryIt.TryItTargets>();
        services.AddSingleton<TryIt.TryItRunner>();
        services.Configure<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o =>
        {
            o.LoginPath = SignInPath;
            o.AccessDeniedPath = ForbiddenPath;
        });
        return services;
    }

    public static void MapPortalUi(WebApplication app)
    {
        app.UseAntiforgery();
        // Stylesheets and scripts are needed by the sign-in page, before anyone is signed in.
        app.MapStaticAssets().AllowAnonymous();
        // Every page needs a signed-in Viewer at least (pages ask for more with [Authorize]); sign-in is [AllowAnonymous].
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(Auth.PortalRoles.AtLeast(Auth.PortalRoles.Viewer));
    }
}
