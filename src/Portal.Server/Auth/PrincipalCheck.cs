using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Server.Persistence;

namespace Portal.Server.Auth;

/// <summary>
/// Checks a principal that authenticated a while ago against the store: its user still exists and is not locked
/// out; an API key's principal still has an active key; a cookie's principal still carries the user's security
/// stamp (signing out renews it). The answer carries the user's current roles, so a role change applies.
/// </summary>
public sealed class PrincipalCheck(UserManager<PortalUser> users, PortalDbContext db, TimeProvider clock, IOptions<IdentityOptions> identity)
{
    /// <summary>The claim an API key's principal carries: the key's id.</summary>
    public const string ApiKeyClaim = "api_key";

    /// <summary>The principal as it stands now, with the user's current roles; null when it no longer authenticates.</summary>
    public async Task<ClaimsPrincipal?> Current(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId) return null;
        var user = await users.FindByIdAsync(userId);
        if (user is null || await users.IsLockedOutAsync(user)) return null;
        if (principal.FindFirstValue(ApiKeyClaim) is { } keyClaim)
        {
            if (!Guid.TryParse(keyClaim, out var keyId)) return null;
            var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == keyId, ct);
            if (key is null || key.UserId != user.Id || !key.IsActive(clock.GetUtcNow())) return null;
        }
        else if (principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType) != await users.GetSecurityStampAsync(user))
        {
            return null;
        }

        var roleType = identity.Value.ClaimsIdentity.RoleClaimType;
        var claims = principal.Claims.Where(c => c.Type != roleType).Select(c => new Claim(c.Type, c.Value))
            .Concat((await users.GetRolesAsync(user)).Select(r => new Claim(roleType, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, principal.Identity?.AuthenticationType, ClaimTypes.Name, roleType));
    }
}
