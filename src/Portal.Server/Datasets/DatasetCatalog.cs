using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Server.Api;
using Portal.Server.Persistence;

namespace Portal.Server.Datasets;

/// <summary>Reads registered datasets, for the REST API and the portal's pages alike.</summary>
public sealed class DatasetCatalog(PortalDbContext db)
{
    public Task<Page<DatasetRecord>> List(PageRequest page, CancellationToken ct) =>
        page.Apply(db.Datasets.AsNoTracking().OrderBy(d => d.Name), d => d, ct);

    public async Task<DatasetRecord> Get(Guid id, CancellationToken ct) =>
        await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw Refusal.NotFound($"No dataset {id}.");
}
