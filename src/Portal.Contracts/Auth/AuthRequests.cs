namespace Portal.Contracts.Auth;

/// <summary>POST /api/v1/auth/sign-in.</summary>
public sealed record SignInRequest(string UserName, string Password);

/// <summary>POST /api/v1/users.</summary>
public sealed record CreateUserRequest(string UserName, string Password, string Role);

/// <summary>PUT /api/v1/users/{id}/role.</summary>
public sealed record ChangeRoleRequest(string Role);

/// <summary>PUT /api/v1/users/{id}/access: a disabled user can no longer sign in, and their open sessions end.</summary>
public sealed record AccessRequest(bool Disabled);

/// <summary>POST /api/v1/api-keys: <see cref="UserId"/> (an Admin's choice) defaults to the caller.</summary>
public sealed record CreateKeyRequest(string Name, int? ExpiresInDays, string? UserId);
