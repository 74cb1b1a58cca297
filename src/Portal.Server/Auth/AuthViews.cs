using Portal.Contracts.Auth;

namespace Portal.Server.Auth;

/// <summary>Keys as the API shows them (the records are Portal.Contracts').</summary>
public static class AuthViews
{
    public static KeyView View(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.UserId, k.CreatedAt, k.ExpiresAt, k.RevokedAt);
}
