using Microsoft.EntityFrameworkCore;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>The chain's state: valid, or the first event whose link or content does not check out, and why.</summary>
public sealed record AuditChainReport(bool Valid, long EventsChecked, long? FirstBrokenSequence, string? Problem);

public sealed class AuditChainVerifier(PortalDbContext db)
{
    private const int PageSize = 2000;

    public async Task<AuditChainReport> Verify(CancellationToken ct)
    {
        long checkedCount = 0, expectedSequence = 1;
        var previous = AuditHash.Genesis;
        while (true)
        {
            var page = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence >= expectedSequence)
                .OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) return new AuditChainReport(true, checkedCount, null, null);
            foreach (var e in page)
            {
                if (e.Sequence != expectedSequence)
                    return new AuditChainReport(false, checkedCount, expectedSequence, $"event {expectedSequence} is missing (the next is {e.Sequence})");
                if (e.PreviousHash != previous)
                    return new AuditChainReport(false, checkedCount, e.Sequence, $"event {e.Sequence} does not link to event {e.Sequence - 1}");
                if (AuditHash.Compute(e) != e.Hash)
                    return new AuditChainReport(false, checkedCount, e.Sequence, $"event {e.Sequence} was altered after it was written");
                previous = e.Hash;
                expectedSequence++;
                checkedCount++;
            }
        }
    }
}
