using System.Security.Claims;
using Portal.Server.Api;
using Portal.Server.Auth;

namespace Portal.Server.Approvals;

/// <summary>Who is acting on a promotion, and their highest role.</summary>
public sealed record Caller(string Name, string Role)
{
    public bool IsAdmin => Role == PortalRoles.Admin;

    public bool HasAtLeast(string role) => PortalRoles.Rank(Role) >= PortalRoles.Rank(role);

    public static Caller From(ClaimsPrincipal user) =>
        new(Actor.Name(user), PortalRoles.All.LastOrDefault(user.IsInRole) ?? "no role");
}
