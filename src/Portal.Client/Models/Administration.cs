namespace Portal.Client.Models;

public sealed record AuditEvent(long Sequence, DateTimeOffset Time, string Actor, string Action, string SubjectType, string SubjectId, string? Details, string Hash);

/// <summary>The audit chain's head at a moment: event <see cref="Sequence"/> had hash <see cref="Head"/>; <see cref="Mac"/> authenticates it and <see cref="Previous"/>, the previous checkpoint's MAC.</summary>
public sealed record AuditCheckpoint(long Sequence, string Head, DateTimeOffset Time, string Previous, string Mac);

/// <summary>GET /api/v1/audit filters; null means "any".</summary>
public sealed record AuditQuery
{
    public string? Actor { get; init; }

    /// <summary>Matches actions starting with this text (<c>promotion.</c>, <c>run.create</c>).</summary>
    public string? Action { get; init; }
    public string? SubjectType { get; init; }
    public string? SubjectId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
}

public sealed record ApiKey(Guid Id, string Name, string Prefix, string UserId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A new key: <see cref="Secret"/> is shown this once and never again.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

public sealed record User(string Id, string UserName, string Role, bool Disabled, DateTimeOffset CreatedAt);

public sealed record Me(string Id, string UserName, IReadOnlyList<string> Roles, bool ViaApiKey);
