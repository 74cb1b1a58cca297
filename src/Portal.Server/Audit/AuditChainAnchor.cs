using Microsoft.EntityFrameworkCore;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>
/// At start, before anything else is audited: a database written before the chain was keyed ends in an event with a
/// plain SHA-256 hash. The chain re-anchors there with a keyed <see cref="Action"/> event that names the plain part
/// (its length and head); from it on every event is keyed, and the verifier accepts plain hashes only before it.
/// </summary>
public sealed class AuditChainAnchor(ILogger<AuditChainAnchor> logger) : IStartupTask
{
    public const string Action = "audit.chain-keyed";

    public int Order => 2;

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var key = services.GetRequiredService<AuditChainKey>();
        var tail = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).FirstOrDefaultAsync(ct);
        if (tail is null || AuditHash.Keyed(tail, key) == tail.Hash) return;
        if (AuditHash.Plain(tail) != tail.Hash)
        {
            logger.LogError("The audit chain's last event ({Sequence}) holds neither its keyed nor a plain hash: it was altered, or keys/{KeyFile} is not the key it was written with. Verify the chain (/api/v1/audit/verify)", tail.Sequence, AuditChainKey.FileName);
            return;
        }
        await services.GetRequiredService<AuditLog>().Record("portal", Action, "audit", "chain",
            new { plainEvents = tail.Sequence, plainHead = tail.Hash }, ct);
        logger.LogWarning("The audit chain's {Count} events from before keyed hashing were sealed by a keyed '{Action}' event; later events are keyed with keys/{KeyFile}", tail.Sequence, Action, AuditChainKey.FileName);
    }
}
