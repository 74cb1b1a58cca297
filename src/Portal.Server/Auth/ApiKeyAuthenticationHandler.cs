using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Server.Auth;

/// <summary>
/// Authenticates <c>X-Api-Key: ptl_…</c> (or <c>Authorization: Bearer ptl_…</c>, or <c>Authorization: ApiKey ptl_…</c>;
/// on the live hub also <c>?access_token=ptl_…</c>) as the key's user, with that user's current roles; an expired,
/// revoked or unknown key fails, so the request gets 401.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyTicketCache tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>The query parameter SignalR clients put the token in where a transport cannot send headers.</summary>
    public const string AccessTokenQuery = "access_token";

    public static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrEmpty(header)) return header.ToString();
        var authorization = request.Headers.Authorization.ToString();
        foreach (var scheme in (ReadOnlySpan<string>)["ApiKey ", "Bearer "])
        {
            if (authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return authorization[scheme.Length..].Trim();
        }
        // Browsers open WebSockets and server-sent events without custom headers, so SignalR's clients send the token
        // (AccessTokenProvider) in the query string; only the hub accepts it there, keeping keys out of other URLs.
        if (request.Path.StartsWithSegments(Live.LiveSetup.HubPath) && request.Query[AccessTokenQuery] is [{ Length: > 0 } token]) return token;
        return null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null) return AuthenticateResult.NoResult();
        if (tickets.Find(presented) is { } known) return AuthenticateResult.Success(new AuthenticationTicket(known, SchemeName));
        // Resolved only when the key is not remembered: they bring a database context, which a remembered key never needs.
        var keys = Context.RequestServices.GetRequiredService<ApiKeyService>();
        var users = Context.RequestServices.GetRequiredService<UserManager<PortalUser>>();
        var key = await keys.Find(presented, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("The API key is unknown, expired or revoked.");
        var user = await users.FindByIdAsync(key.UserId);
        if (user is null || await users.IsLockedOutAsync(user)) return AuthenticateResult.Fail("The API key's user is gone or disabled.");

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.UserName ?? user.Id),
            new(PrincipalCheck.ApiKeyClaim, key.Id.ToString()),
        };
        claims.AddRange((await users.GetRolesAsync(user)).Select(r => new Claim(ClaimTypes.Role, r)));
        tickets.Add(presented, claims, key.ExpiresAt);
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
