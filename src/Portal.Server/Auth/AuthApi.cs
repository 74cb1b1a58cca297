using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Audit;

namespace Portal.Server.Auth;

public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/sign-in", SignIn).AllowAnonymous().RequireRateLimiting(SignInThrottle.EndpointPolicy)
            .WithSummary("Sign in with a user name and password")
            .WithDescription("Checks the password and sets the session cookie `portal.auth` (HTTP-only, SameSite=Strict, valid 8 hours, renewed while used); "
                + "the answer is the signed-in user with their roles. After five wrong passwords from one address or for one user name, each further "
                + "attempt must wait longer (429 with Retry-After); accounts never lock, API keys keep working, and unknown names are answered as known ones. Scripts may use an API key instead (POST /api/v1/api-keys), sent as the X-Api-Key header.")
            .WithRequestExample(new SignInRequest("ada", "a-long-pass-phrase"))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/sign-out", SignOut).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Sign out")
            .WithDescription("Ends the caller's cookie session. API keys are not affected: revoke one with DELETE /api/v1/api-keys/{id}.");
        group.MapGet("/me", GetMe).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Who is calling")
            .WithDescription("The caller's user id, name and roles, and whether the call came with an API key (`viaApiKey`) or the session cookie.");
        return v1;
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> SignIn(
        SignInRequest request, PasswordSignIn passwords, SignInManager<PortalUser> signIn, UserManager<PortalUser> users, AuditLog audit,
        HttpContext http, CancellationToken ct)
    {
        var attempt = await passwords.Attempt(request.UserName ?? "", request.Password ?? "", http.Connection.RemoteIpAddress, ct);
        if (attempt.RetryAfter is { } wait) return Throttled(http, wait);
        if (attempt.Disabled)
            return TypedResults.Problem("This user is disabled; an Admin can enable it again.", statusCode: StatusCodes.Status403Forbidden, title: "Sign-in refused");
        if (attempt.User is not { } user)
            return TypedResults.Problem("Unknown user name or wrong password.", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        await signIn.SignInAsync(user, isPersistent: false);
        await audit.Record(user.UserName!, "auth.sign-in", "user", user.Id, null, ct);
        return TypedResults.Ok(new Me(user.Id, user.UserName!, [.. await users.GetRolesAsync(user)], false));
    }

    /// <summary>429 with Retry-After: the answer to every sign-in attempt that must wait, from the throttle or the endpoint's rate limiter.</summary>
    public static ProblemHttpResult Throttled(HttpContext http, TimeSpan wait)
    {
        var seconds = (long)Math.Ceiling(Math.Max(wait.TotalSeconds, 1));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            $"Too many failed sign-ins from this address or for this user name; try again in {seconds} s. API keys keep working meanwhile.",
            statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts");
    }

    private static async Task<NoContent> SignOut(SignInManager<PortalUser> signIn, PrincipalChanges changes, ClaimsPrincipal principal)
    {
        // A new security stamp ends the user's cookie sessions, and the signal closes their open circuits and hub
        // connections now; a caller with an API key has no session to end.
        if (!principal.HasClaim(c => c.Type == PrincipalCheck.ApiKeyClaim) && await signIn.UserManager.GetUserAsync(principal) is { } user)
        {
            await signIn.UserManager.UpdateSecurityStampAsync(user);
            changes.Raise(user.Id);
        }
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    private static Ok<Me> GetMe(ClaimsPrincipal user)
    {
        var me = new CurrentUser(user);
        return TypedResults.Ok(new Me(me.Id, me.Name, [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)], user.HasClaim(c => c.Type == "api_key")));
    }
}
