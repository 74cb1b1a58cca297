using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Audit;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>
/// The chain's state: valid, or the first event (or checkpoint) that does not check out, and why.
/// <see cref="Checkpoint"/> is the latest checkpoint the chain was checked against, if there is one.
/// </summary>
public sealed record AuditChainReport(bool Valid, long EventsChecked, long? FirstBrokenSequence, string? Problem, AuditCheckpoint? Checkpoint = null);

/// <summary>
/// Walks the chain from event 1: every event must follow the one before, link to its hash and hold its own keyed
/// hash. An upgraded database's events from before the keyed chain hold plain SHA-256 hashes; those are accepted
/// only before the first keyed event, and only when a keyed event follows them. Every checkpoint in the checkpoint
/// file must be authentic and name an event the chain still holds with the same hash, so a deleted tail or a
/// rewritten chain shows against the checkpoints even where the events alone look whole.
/// </summary>
public sealed class AuditChainVerifier(PortalDbContext db, AuditChainKey key, AuditCheckpointLog checkpointLog)
{
    private const int PageSize = 2000;

    public async Task<AuditChainReport> Verify(CancellationToken ct)
    {
        var file = await checkpointLog.Read(ct);
        var latest = file.Latest;
        if (file.Problem is not null) return new AuditChainReport(false, 0, null, file.Problem, latest);
        var checkpoints = file.Checkpoints.GroupBy(c => c.Sequence).ToDictionary(g => g.Key, g => g.ToList());

        long checkedCount = 0, expectedSequence = 1;
        var previous = AuditHash.Genesis;
        var keyed = false;
        while (true)
        {
            var page = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence >= expectedSequence)
                .OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) break;
            foreach (var e in page)
            {
                if (e.Sequence != expectedSequence)
                    return Broken(checkedCount, expectedSequence, $"event {expectedSequence} is missing (the next is {e.Sequence})");
                if (e.PreviousHash != previous)
                    return Broken(checkedCount, e.Sequence, $"event {e.Sequence} does not link to event {e.Sequence - 1}");
                if (AuditHash.Keyed(e, key) == e.Hash) keyed = true;
                else if (keyed || AuditHash.Plain(e) != e.Hash)
                    return Broken(checkedCount, e.Sequence, keyed || e.Sequence > 1
                        ? $"event {e.Sequence} was altered after it was written"
                        : $"event {e.Sequence} was altered after it was written, or the audit key (keys/{AuditChainKey.FileName}) is not the one it was written with");
                if (checkpoints.Remove(e.Sequence, out var at) && at.FirstOrDefault(c => c.Head != e.Hash) is { } differing)
                    return Broken(checkedCount, e.Sequence, $"event {e.Sequence} is not the one checkpointed at {Time(differing)}: the chain was rewritten up to it");
                previous = e.Hash;
                expectedSequence++;
                checkedCount++;
            }
        }

        if (checkedCount > 0 && !keyed)
            return Broken(checkedCount, checkedCount, $"events 1–{checkedCount} hold only plain SHA-256 hashes and no keyed event follows them: the chain's keyed part was removed, or the audit key (keys/{AuditChainKey.FileName}) is not the one it was written with");
        if (checkpoints.Count > 0)
        {
            var beyond = checkpoints.Values.SelectMany(c => c).MaxBy(c => c.Sequence)!;
            return Broken(checkedCount, expectedSequence, $"events {expectedSequence}–{beyond.Sequence} are missing: the checkpoint of {Time(beyond)} recorded the chain up to event {beyond.Sequence}");
        }
        return new AuditChainReport(true, checkedCount, null, null, latest);

        AuditChainReport Broken(long eventsChecked, long sequence, string problem) => new(false, eventsChecked, sequence, problem, latest);
    }

    private static string Time(AuditCheckpoint checkpoint) => checkpoint.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
