using System.Security.Claims;

namespace Portal.Server.Api;

public static class Actor
{
    /// <summary>The signed-in user's name, as recorded in the audit trail and on requests and decisions.</summary>
    public static string Name(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.Name) ?? throw new InvalidOperationException("The request has no authenticated user.");

    public static string Id(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request has no authenticated user.");
}
