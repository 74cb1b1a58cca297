using System.Security.Claims;

namespace Portal.Server.Auth;

/// <summary>
/// The signed-in user of a request or a circuit, as the API, the services and the pages need it: the id, the name
/// recorded in the audit trail and on requests and decisions, and the role, with the rights of the roles below it.
/// </summary>
public sealed class CurrentUser(ClaimsPrincipal principal)
{
    public ClaimsPrincipal Principal { get; } = principal;

    public string Name => Principal.FindFirstValue(ClaimTypes.Name) ?? throw new InvalidOperationException("The request has no authenticated user.");

    public string Id => Principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request has no authenticated user.");

    /// <summary>The highest role held, as a refusal names it ("you are Contributor").</summary>
    public string Role => PortalRoles.All.LastOrDefault(Principal.IsInRole) ?? "no role";

    public bool IsAdmin => IsAtLeast(PortalRoles.Admin);

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
