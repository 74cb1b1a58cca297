using System.Security.Claims;
using Portal.Server.Api;
using Portal.Server.Auth;

namespace Portal.Server.Components;

/// <summary>The circuit's user as pages need it: a name for the audit trail and whether a role's rights are held.</summary>
public sealed class SignedInUser(ClaimsPrincipal principal)
{
    public ClaimsPrincipal Principal { get; } = principal;

    public string Name => Actor.Name(Principal);

    /// <summary>True when the user holds <paramref name="role"/> or a higher one (the same rule as the API's policies).</summary>
    public bool IsAtLeast(string role)
    {
        var rank = PortalRoles.Rank(role);
        if (rank < 0) throw new ArgumentException($"'{role}' is not a role.", nameof(role));
        return PortalRoles.All.Skip(rank).Any(Principal.IsInRole);
    }

    /// <summary>Throws when the user lacks <paramref name="role"/>: a hidden button is not a permission check.</summary>
    public void Require(string role)
    {
        if (!IsAtLeast(role)) throw new UnauthorizedAccessException($"This needs the {role} role; {Name} does not have it.");
    }
}
