using Microsoft.EntityFrameworkCore;
using Portal.Server.Persistence;

namespace Portal.Server.Artifacts;

/// <summary>
/// Content-addressed files, named by their SHA-256, kept in <see cref="IArtifactBlobs"/> (a folder every node
/// mounts) and recorded in the database. A file enters the store for good only through <see cref="Keep"/>, which
/// records it with the rows that reference it or removes it again. Temporaries left by a crash are removed at start,
/// and so are files no row references (<see cref="ArtifactSweep"/>): a file reaches the store before the row that
/// references it is committed.
/// <para>
/// A file is deleted only when no record references it and no call in flight in this process holds it, and no row
/// ever references a file that is gone. Every commit (<see cref="Keep"/>) and every deletion (<see cref="Discard"/>,
/// a failed Keep removing what it created, the start-up sweep) runs under one lock: this process's semaphore and, on
/// PostgreSQL, a transaction-scoped advisory lock that every node takes, held until the commit's rows (or the
/// deletion's removal of the record) are committed. Holds of calls in flight are known only to their own process:
/// another node may delete content that a call here wrote, or found already stored, while it runs. So a commit,
/// under the lock, first checks that each of its files is still stored: a deletion that came before it has removed
/// the file and the commit refuses (nothing is referenced, and what it created is removed); a deletion that comes
/// after it sees its committed records and rows and leaves the file. A deletion checks records (and, for
/// <see cref="Discard"/>, the caller's rows) under the same lock, so it never removes a file a committed row uses.
/// </para>
/// </summary>
public sealed class ArtifactStore(IArtifactBlobs blobs, TimeProvider clock)
{
    private readonly ArtifactCommitLock _commit = new();

    // Files written by Keep calls not yet settled, by content: one that fails deletes a file it created only when no
    // other call in flight wrote the same content. Guarded by its own lock, which also covers a write's placement.
    private readonly Dictionary<string, int> _unsettled = new(StringComparer.Ordinal);

    /// <param name="Created">True when this write put the file in place; false when the same content was already stored.</param>
    public sealed record Stored(string Sha256, long Size, bool Created);

    /// <summary>
    /// The one way files enter the store for good. <paramref name="store"/> writes them through the
    /// <see cref="ArtifactBatch"/> it is given and does what must come before they are referenced (reading them
    /// back, measuring); then, one call at a time across the nodes, each file is checked to be still stored, gets its
    /// artifact record (unless it has one) in <paramref name="db"/> and <paramref name="reference"/> adds the rows
    /// that reference the files and saves. If anything fails, nothing is left behind: the files this call created are
    /// deleted unless a record references them or another call in flight here wrote them too.
    /// </summary>
    /// <exception cref="Refusal">Another node deleted one of the files while this call ran (a conflict: send it again).</exception>
    public async Task<TResult> Keep<TStaged, TResult>(
        PortalDbContext db, Func<ArtifactBatch, Task<TStaged>> store, Func<TStaged, Task<TResult>> reference, CancellationToken ct)
    {
        var batch = new ArtifactBatch(this);
        try
        {
            var staged = await store(batch);
            await using var held = await _commit.Take(db, ct);
            foreach (var (file, mediaType) in batch.Files.DistinctBy(f => f.File.Sha256))
            {
                if (!blobs.Exists(file.Sha256))
                    throw Refusal.Conflict($"Artifact {file.Sha256} was removed by another node while it was being stored; send it again.");
                if (!await db.Artifacts.AnyAsync(a => a.Sha256 == file.Sha256, ct))
                    db.Artifacts.Add(new ArtifactRecord { Sha256 = file.Sha256, Size = file.Size, MediaType = mediaType, CreatedAt = clock.GetUtcNow() });
            }
            var result = await reference(staged);
            await held.Complete(ct);
            Settle(batch);
            return result;
        }
        catch
        {
            Settle(batch);
            await RemoveUnreferenced(db, batch);
            throw;
        }
    }

    /// <summary>
    /// Removes a file and its record once its last user lets go of it (an import that failed drops its upload). In
    /// the same one-at-a-time step as <see cref="Keep"/>'s commits, <paramref name="referenced"/> is asked first; while
    /// it answers true, or another call in flight here holds the same content, the file stays. True when it was removed.
    /// </summary>
    public async Task<bool> Discard(PortalDbContext db, string sha256, Func<CancellationToken, Task<bool>> referenced, CancellationToken ct)
    {
        await using var held = await _commit.Take(db, ct);
        if (await referenced(ct)) return false;
        lock (_unsettled)
        {
            if (_unsettled.ContainsKey(sha256)) return false;
        }
        await db.Artifacts.Where(a => a.Sha256 == sha256).ExecuteDeleteAsync(ct);
        bool removed;
        lock (_unsettled)
        {
            removed = !_unsettled.ContainsKey(sha256) && blobs.Delete(sha256);
        }
        // After the file: until this commits, no other node's commit can find the file and reference it.
        await held.Complete(ct);
        return removed;
    }

    /// <summary>
    /// The start-up sweep's removal: stored files written before <paramref name="writtenBefore"/> that no record
    /// references and no call in flight here holds. Returns their names.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveUnreferenced(PortalDbContext db, DateTimeOffset writtenBefore, CancellationToken ct)
    {
        var old = blobs.Stored().Where(f => f.WrittenAt < writtenBefore).Select(f => f.Sha256).ToList();
        if (old.Count == 0) return [];
        await using var held = await _commit.Take(db, ct);
        var referenced = new HashSet<string>(await db.Artifacts.AsNoTracking().Select(a => a.Sha256).ToListAsync(ct), StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var sha in old.Where(s => !referenced.Contains(s)))
        {
            lock (_unsettled)
            {
                if (!_unsettled.ContainsKey(sha) && blobs.Delete(sha)) removed.Add(sha);
            }
        }
        await held.Complete(ct);
        return removed;
    }

    /// <summary>Removes the temporaries that writes cut short left (this node's all, other nodes' when older than the cutoff).</summary>
    public int RemoveStaleTemporaries(DateTimeOffset othersWrittenBefore) => blobs.RemoveStaleTemporaries(othersWrittenBefore);

    /// <summary>A write on behalf of a <see cref="Keep"/> call: the file counts as unsettled until the call settles.</summary>
    internal Task<Stored> WriteHeld(Stream content, CancellationToken ct, long maxBytes) => Write(content, ct, maxBytes, hold: true);

    private void Settle(ArtifactBatch batch)
    {
        if (batch.IsSettled) return;
        lock (_unsettled)
        {
            foreach (var (file, _) in batch.Files)
            {
                if (--_unsettled[file.Sha256] == 0) _unsettled.Remove(file.Sha256);
            }
        }
        batch.Settled();
    }

    /// <summary>Deletes the files a failed call created, except those a record references or another call in flight here holds.</summary>
    private async Task RemoveUnreferenced(PortalDbContext db, ArtifactBatch batch)
    {
        var created = batch.Created.ToList();
        if (created.Count == 0) return;
        ArtifactCommitLock.Held held;
        try
        {
            held = await _commit.Take(db, CancellationToken.None);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            // Unprovable: the files stay, and the start-up sweep removes them once they are old enough.
            return;
        }
        await using (held)
        {
            foreach (var sha in created)
            {
                bool referenced;
                try
                {
                    referenced = await db.Artifacts.AsNoTracking().AnyAsync(a => a.Sha256 == sha, CancellationToken.None);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
                {
                    continue;
                }
                if (referenced) continue;
                lock (_unsettled)
                {
                    if (!_unsettled.ContainsKey(sha)) blobs.Delete(sha);
                }
            }
        }
    }

    /// <summary>A file written outside any <see cref="Keep"/>; only tests place files this way.</summary>
    internal Task<Stored> Write(byte[] content, CancellationToken ct) => Write(new MemoryStream(content, writable: false), ct, long.MaxValue, hold: false);

    private async Task<Stored> Write(Stream content, CancellationToken ct, long maxBytes, bool hold)
    {
        var staged = await blobs.Stage(content, maxBytes, ct);
        try
        {
            lock (_unsettled)
            {
                var created = blobs.Place(staged);
                if (hold) _unsettled[staged.Sha256] = _unsettled.GetValueOrDefault(staged.Sha256) + 1;
                return new Stored(staged.Sha256, staged.Size, created);
            }
        }
        catch
        {
            blobs.Abandon(staged);
            throw;
        }
    }

    /// <summary>The whole file, after checking that it still hashes to its name.</summary>
    public Task<byte[]> ReadVerified(string sha256, CancellationToken ct) => blobs.ReadVerified(sha256, ct);

    public bool Exists(string sha256) => blobs.Exists(sha256);
}

public sealed class ArtifactTooLargeException(long limit) : Exception($"The upload is larger than the {limit} byte limit.")
{
    public long Limit { get; } = limit;
}
