using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Audit;

namespace Portal.Server.Auth;

public static class AuthApi
{
    public sealed record SignInRequest(string UserName, string Password);

    public sealed record Me(string Id, string UserName, IReadOnlyList<string> Roles, bool ViaApiKey);

    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/sign-in", SignIn).AllowAnonymous()
            .WithSummary("Sign in with a user name and password")
            .WithDescription("Checks the password and sets the session cookie `portal.auth` (HTTP-only, SameSite=Strict, valid 8 hours, renewed while used); "
                + "the answer is the signed-in user with their roles. Five wrong passwords in a row lock the account for 15 minutes (423), and its API keys "
                + "stop working at once. Scripts may use an API key instead (POST /api/v1/api-keys), sent as the X-Api-Key header.")
            .WithRequestExample(new SignInRequest("ada", "a-long-pass-phrase"))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status423Locked);
        group.MapPost("/sign-out", SignOut).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Sign out")
            .WithDescription("Ends the caller's cookie session. API keys are not affected: revoke one with DELETE /api/v1/api-keys/{id}.");
        group.MapGet("/me", GetMe).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Who is calling")
            .WithDescription("The caller's user id, name and roles, and whether the call came with an API key (`viaApiKey`) or the session cookie.");
        return v1;
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> SignIn(
        SignInRequest request, SignInManager<PortalUser> signIn, UserManager<PortalUser> users, AuditLog audit, ApiKeyTicketCache tickets, CancellationToken ct)
    {
        var user = await users.FindByNameAsync(request.UserName ?? "");
        if (user is null)
            return TypedResults.Problem("Unknown user name or wrong password.", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        var result = await signIn.CheckPasswordSignInAsync(user, request.Password ?? "", lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            // The user's API keys stop working now, not when their remembered authentication runs out.
            tickets.Clear();
            await audit.Record(user.UserName!, "auth.lockout", "user", user.Id, null, ct);
            return TypedResults.Problem("Too many failed sign-ins: the account is locked for a while.", statusCode: StatusCodes.Status423Locked, title: "Locked out");
        }
        if (!result.Succeeded)
            return TypedResults.Problem("Unknown user name or wrong password.", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        await signIn.SignInAsync(user, isPersistent: false);
        await audit.Record(user.UserName!, "auth.sign-in", "user", user.Id, null, ct);
        return TypedResults.Ok(new Me(user.Id, user.UserName!, [.. await users.GetRolesAsync(user)], false));
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

    private static Ok<Me> GetMe(ClaimsPrincipal user) => TypedResults.Ok(new Me(
        Actor.Id(user), Actor.Name(user), [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)], user.HasClaim(c => c.Type == "api_key")));
}
