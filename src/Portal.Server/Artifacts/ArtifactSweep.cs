using Microsoft.Extensions.Options;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Artifacts;

/// <summary>
/// At start: removes this node's temporaries of writes a crash cut short (other nodes' only once older than
/// <see cref="PortalOptions.UnreferencedArtifactGrace"/>: younger ones may be their writes in flight), and the stored
/// files that no artifact row references and that are older than the grace (an upload killed after its transfer but
/// before its row was committed leaves such a file).
/// </summary>
public sealed class ArtifactSweep : IStartupTask
{
    public int Order => 5;

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<ArtifactStore>();
        var log = services.GetRequiredService<ILogger<ArtifactSweep>>();
        var cutoff = services.GetRequiredService<TimeProvider>().GetUtcNow() - services.GetRequiredService<IOptions<PortalOptions>>().Value.UnreferencedArtifactGrace;
        store.RemoveStaleTemporaries(cutoff);

        var db = services.GetRequiredService<PortalDbContext>();
        foreach (var sha in await store.RemoveUnreferenced(db, cutoff, ct))
            log.LogWarning("Removed artifact {Sha256}: no record references it (an upload or job stopped before committing it).", sha);
    }
}
