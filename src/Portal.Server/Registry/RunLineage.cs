using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Registry;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>The other direction of lineage: the versions registered from one training run.</summary>
public sealed class RunLineage(PortalDbContext db)
{
    public async Task<IReadOnlyList<VersionView>> VersionsOf(Guid runId, CancellationToken ct)
    {
        var found = await (from v in db.ModelVersions.AsNoTracking()
                           join m in db.Models.AsNoTracking() on v.ModelId equals m.Id
                           where v.RunId == runId
                           orderby v.CreatedAt
                           select new { Version = v, Model = m }).ToListAsync(ct);
        var views = new List<VersionView>(found.Count);
        foreach (var x in found) views.Add(await VersionViews.Build(db, x.Model, x.Version, ct));
        return views;
    }
}
