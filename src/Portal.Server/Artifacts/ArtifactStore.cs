using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Artifacts;

/// <summary>
/// Content-addressed files under the data folder: <c>artifacts/ab/abcdef…</c>, named by their SHA-256. A file is
/// written to a temporary name, flushed to disk and renamed, so a crash leaves either the whole file or none;
/// reads check the hash. A file enters the store for good only through <see cref="Keep"/>, which records it with the
/// rows that reference it or removes it again. Temporaries left by a crash are removed at start, and so are files no
/// row references (<see cref="ArtifactSweep"/>): a file reaches the store before the row that references it is committed.
/// </summary>
public class ArtifactStore
{
    private readonly string _root;
    private readonly string _staging;
    private readonly TimeProvider _clock;

    // Deciding that a file is unreferenced and deleting it must not interleave with a commit that references it.
    private readonly SemaphoreSlim _commit = new(1, 1);

    // Files written by Keep calls not yet settled, by content: one that fails deletes a file it created only when no
    // other call in flight wrote the same content. Guarded by its own lock, which also covers a write's final rename.
    private readonly Dictionary<string, int> _unsettled = new(StringComparer.Ordinal);

    public ArtifactStore(IOptions<PortalOptions> options, TimeProvider clock)
    {
        _root = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "artifacts");
        _staging = Path.Combine(_root, ".staging");
        _clock = clock;
        Directory.CreateDirectory(_staging);
    }

    /// <param name="Created">True when this write put the file in place; false when the same content was already stored.</param>
    public sealed record Stored(string Sha256, long Size, bool Created);

    /// <summary>
    /// The one way files enter the store for good. <paramref name="store"/> writes them through the
    /// <see cref="ArtifactBatch"/> it is given and does what must come before they are referenced (reading them
    /// back, measuring); then, one call at a time in this process, each file gets its artifact record (unless it has
    /// one) in <paramref name="db"/> and <paramref name="reference"/> adds the rows that reference the files and
    /// saves. If anything fails, nothing is left behind: the files this call created are deleted unless a record
    /// references them or another call in flight wrote them too.
    /// </summary>
    public async Task<TResult> Keep<TStaged, TResult>(
        PortalDbContext db, Func<ArtifactBatch, Task<TStaged>> store, Func<TStaged, Task<TResult>> reference, CancellationToken ct)
    {
        var batch = new ArtifactBatch(this);
        var holding = false;
        try
        {
            var staged = await store(batch);
            await _commit.WaitAsync(ct);
            holding = true;
            foreach (var (file, mediaType) in batch.Files.DistinctBy(f => f.File.Sha256))
            {
                if (!await db.Artifacts.AnyAsync(a => a.Sha256 == file.Sha256, ct))
                    db.Artifacts.Add(new ArtifactRecord { Sha256 = file.Sha256, Size = file.Size, MediaType = mediaType, CreatedAt = _clock.GetUtcNow() });
            }
            var result = await reference(staged);
            Settle(batch);
            return result;
        }
        catch
        {
            Settle(batch);
            if (!holding) await _commit.WaitAsync(CancellationToken.None);
            holding = true;
            await RemoveUnreferenced(db, batch);
            throw;
        }
        finally
        {
            if (holding) _commit.Release();
        }
    }

    /// <summary>
    /// Removes a file and its record once its last user lets go of it (an import that failed drops its upload). In
    /// the same one-at-a-time step as <see cref="Keep"/>'s commits, <paramref name="referenced"/> is asked first; while
    /// it answers true, or another call in flight holds the same content, the file stays. True when it was removed.
    /// </summary>
    public async Task<bool> Discard(PortalDbContext db, string sha256, Func<CancellationToken, Task<bool>> referenced, CancellationToken ct)
    {
        await _commit.WaitAsync(ct);
        try
        {
            if (await referenced(ct)) return false;
            lock (_unsettled)
            {
                if (_unsettled.ContainsKey(sha256)) return false;
            }
            await db.Artifacts.Where(a => a.Sha256 == sha256).ExecuteDeleteAsync(ct);
            lock (_unsettled)
            {
                return !_unsettled.ContainsKey(sha256) && Delete(sha256);
            }
        }
        finally
        {
            _commit.Release();
        }
    }

    /// <summary>A write on behalf of a <see cref="Keep"/> call: the file counts as unsettled until the call settles.</summary>
    internal Task<Stored> WriteHeld(Stream content, CancellationToken ct, long maxBytes) => Write(content, ct, maxBytes, hold: true);

    private void Settle(ArtifactBatch batch)
    {
        lock (_unsettled)
        {
            foreach (var (file, _) in batch.Files)
            {
                if (--_unsettled[file.Sha256] == 0) _unsettled.Remove(file.Sha256);
            }
        }
        batch.Settled();
    }

    /// <summary>Deletes the files a failed call created, except those a record references or another call in flight holds.</summary>
    private async Task RemoveUnreferenced(PortalDbContext db, ArtifactBatch batch)
    {
        foreach (var sha in batch.Created)
        {
            bool referenced;
            try
            {
                referenced = await db.Artifacts.AsNoTracking().AnyAsync(a => a.Sha256 == sha, CancellationToken.None);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                // Unprovable: the file stays, and the start-up sweep removes it once it is old enough.
                continue;
            }
            if (referenced) continue;
            lock (_unsettled)
            {
                if (!_unsettled.ContainsKey(sha)) Delete(sha);
            }
        }
    }

    /// <summary>A file written outside any <see cref="Keep"/>; only tests place files this way.</summary>
    internal Task<Stored> Write(byte[] content, CancellationToken ct) => Write(new MemoryStream(content, writable: false), ct, long.MaxValue, hold: false);

    private async Task<Stored> Write(Stream content, CancellationToken ct, long maxBytes, bool hold)
    {
        var temp = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        try
        {
            string sha;
            long size;
            await using (var file = CreateStagingFile(temp))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                size = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > maxBytes) throw new ArtifactTooLargeException(maxBytes);
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            var target = PathOf(sha);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            bool created;
            lock (_unsettled)
            {
                created = !File.Exists(target);
                if (created) File.Move(temp, target);
                else File.Delete(temp);
                if (hold) _unsettled[sha] = _unsettled.GetValueOrDefault(sha) + 1;
            }
            return new Stored(sha, size, created);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The seam where bytes meet the data volume; tests put a full volume here.</summary>
    protected virtual FileStream CreateStagingFile(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);

    /// <summary>The whole file, after checking that it still hashes to its name.</summary>
    public async Task<byte[]> ReadVerified(string sha256, CancellationToken ct)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) throw new FileNotFoundException($"Artifact {sha256} is not in the store.", path);
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != sha256) throw new InvalidDataException($"Artifact {sha256} is corrupt: its content hashes to {actual}.");
        return bytes;
    }

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>Removes a file. Files are shared by content, so call it only for one that no record references; false when it was not there.</summary>
    internal bool Delete(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    /// <summary>Removes temporaries that a crashed write left behind; called once at start.</summary>
    public int RemoveStaleTemporaries()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_staging))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>Every stored file: its name (the SHA-256) and when it was last written.</summary>
    public IEnumerable<(string Sha256, DateTimeOffset WrittenAt)> StoredFiles()
    {
        foreach (var folder in Directory.EnumerateDirectories(_root))
        {
            if (Path.GetFileName(folder).Length != 2) continue;
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var name = Path.GetFileName(file);
                if (name.Length == 64 && name.All(Uri.IsHexDigit)) yield return (name, File.GetLastWriteTimeUtc(file));
            }
        }
    }

    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit)) throw new ArgumentException($"'{sha256}' is not a SHA-256 hex digest.");
        return Path.Combine(_root, sha256[..2], sha256);
    }
}

public sealed class ArtifactTooLargeException(long limit) : Exception($"The upload is larger than the {limit} byte limit.")
{
    public long Limit { get; } = limit;
}
