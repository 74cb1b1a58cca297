namespace Portal.Contracts.Audit;

/// <summary>
/// GET /api/v1/audit's filters (query parameters); null means "any". <see cref="Action"/> matches actions starting with
/// it (<c>promotion.</c>, <c>run.create</c>); <see cref="From"/> is inclusive, <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditFilter(string? Actor, string? Action, string? SubjectType, string? SubjectId, DateTimeOffset? From, DateTimeOffset? To);
