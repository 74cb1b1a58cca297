using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Portal.Server.Persistence;

namespace Portal.Server.Auth;

public static class AuthSetup
{
    /// <summary>The scheme that picks the API key handler when a key is presented, else the Identity cookie.</summary>
    public const string PortalScheme = "Portal";

    public static IServiceCollection AddPortalAuth(this IServiceCollection services)
    {
        services.AddIdentityCore<PortalUser>(o =>
            {
                o.Password.RequiredLength = 12;
                // Length over composition rules (NIST SP 800-63B).
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireDigit = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(PortalScheme)
            .AddPolicyScheme(PortalScheme, "API key or cookie", o =>
                o.ForwardDefaultSelector = ctx => ApiKeyAuthenticationHandler.Presented(ctx.Request) is not null
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(o => o.ApplicationCookie?.Configure(c =>
            {
                c.Cookie.Name = "portal.auth";
                c.Cookie.HttpOnly = true;
                c.Cookie.SameSite = SameSiteMode.Strict;
                c.SlidingExpiration = true;
                c.ExpireTimeSpan = TimeSpan.FromHours(8);
                // An API caller gets a status code, not a redirect to a sign-in page.
                c.Events.OnRedirectToLogin = ctx => Deny(ctx, StatusCodes.Status401Unauthorized);
                c.Events.OnRedirectToAccessDenied = ctx => Deny(ctx, StatusCodes.Status403Forbidden);
            }));

        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddAuthorization(o =>
        {
            foreach (var role in PortalRoles.All)
            {
                var admitted = PortalRoles.All.Skip(PortalRoles.Rank(role)).ToArray();
                o.AddPolicy(PortalRoles.AtLeast(role), p => p.RequireAuthenticatedUser().RequireRole(admitted));
            }
        });
        services.AddScoped<ApiKeyService>();
        services.AddSingleton<ApiKeyTicketCache>();
        services.AddSingleton<PrincipalChanges>();
        services.AddScoped<PrincipalCheck>();
        services.AddScoped<ApiKeyListing>();
        services.AddScoped<UserDirectory>();
        // Failed sign-ins slow further ones down (SignInThrottle) instead of locking the account, which anyone could do to anyone.
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<StandInPassword>();
        services.AddScoped<PasswordSignIn>();
        services.AddRateLimiter(o => o.AddPolicy(SignInThrottle.EndpointPolicy, new OneAttemptAtATime()));
        return services;
    }

    /// <summary>One sign-in at a time per client address (a few wait their turn; more are refused with 429).</summary>
    private sealed class OneAttemptAtATime : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = (rejected, _) =>
            new(AuthApi.Throttled(rejected.HttpContext, TimeSpan.FromSeconds(1)).ExecuteAsync(rejected.HttpContext));

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetConcurrencyLimiter(SignInThrottle.AddressKey(httpContext.Connection.RemoteIpAddress),
                _ => new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 8, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });
    }

    private static Task Deny(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/v2") || ctx.Request.Path.StartsWithSegments("/hubs"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}
