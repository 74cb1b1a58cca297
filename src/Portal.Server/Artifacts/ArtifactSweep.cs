using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Artifacts;

/// <summary>
/// At start: removes the temporaries of writes a crash cut short, and the stored files that no artifact row
/// references and that are older than <see cref="PortalOptions.UnreferencedArtifactGrace"/> (an upload killed
/// after its transfer but before its row was committed leaves such a file).
/// </summary>
public sealed class ArtifactSweep : IStartupTask
{
    public int Order => 5;

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<ArtifactStore>();
        var log = services.GetRequiredService<ILogger<ArtifactSweep>>();
        store.RemoveStaleTemporaries();

        var cutoff = services.GetRequiredService<TimeProvider>().GetUtcNow() - services.GetRequiredService<IOptions<PortalOptions>>().Value.UnreferencedArtifactGrace;
        var old = store.StoredFiles().Where(f => f.WrittenAt < cutoff).Select(f => f.Sha256).ToList();
        if (old.Count == 0) return;
        var db = services.GetRequiredService<PortalDbContext>();
        var referenced = new HashSet<string>(await db.Artifacts.AsNoTracking().Select(a => a.Sha256).ToListAsync(ct), StringComparer.Ordinal);
        foreach (var sha in old.Where(s => !referenced.Contains(s)))
        {
            if (store.Delete(sha)) log.LogWarning("Removed artifact {Sha256}: no record references it (an upload or job stopped before committing it).", sha);
        }
    }
}
