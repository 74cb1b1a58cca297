using Microsoft.AspNetCore.Identity;

namespace Portal.Server.Auth;

public sealed class PortalUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
