using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Server.Api;
using Portal.Server.Persistence;

namespace Portal.Server.Auth;

/// <summary>API keys as listed, newest first: one user's, or everyone's (null); for the REST API and the API keys page.</summary>
public sealed class ApiKeyListing(PortalDbContext db)
{
    public Task<Page<ApiKey>> List(string? userId, PageRequest page, CancellationToken ct)
    {
        var query = db.ApiKeys.AsNoTracking();
        if (userId is not null) query = query.Where(k => k.UserId == userId);
        return page.Apply(query.OrderByDescending(k => k.CreatedAt), k => k, ct);
    }
}
