namespace Portal.Contracts.Auth;

/// <summary>The signed-in user: roles as stored now, and whether the request came with an API key.</summary>
public sealed record Me(string Id, string UserName, IReadOnlyList<string> Roles, bool ViaApiKey);

public sealed record UserView(string Id, string UserName, string Role, bool Disabled, DateTimeOffset CreatedAt);

/// <summary>An API key as listed: its prefix identifies it, the secret is never shown again.</summary>
public sealed record KeyView(Guid Id, string Name, string Prefix, string UserId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A new key: <see cref="Secret"/> is shown this once and never again.</summary>
public sealed record CreatedKeyView(KeyView Key, string Secret);
