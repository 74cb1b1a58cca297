using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Server.Hosting;

namespace Portal.Server.Artifacts;

/// <summary>
/// Content-addressed files under the data folder: <c>artifacts/ab/abcdef…</c>, named by their SHA-256. A file is
/// written to a temporary name, flushed to disk and renamed, so a crash leaves either the whole file or none;
/// reads check the hash. Temporaries left by a crash are removed at start, and so are files no row references
/// (<see cref="ArtifactSweep"/>): a file reaches the store before the row that references it is committed.
/// </summary>
public class ArtifactStore
{
    private readonly string _root;
    private readonly string _staging;

    public ArtifactStore(IOptions<PortalOptions> options)
    {
        _root = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "artifacts");
        _staging = Path.Combine(_root, ".staging");
        Directory.CreateDirectory(_staging);
    }

    /// <param name="Created">True when this write put the file in place; false when the same content was already stored.</param>
    public sealed record Stored(string Sha256, long Size, bool Created);

    public async Task<Stored> Write(Stream content, CancellationToken ct, long maxBytes = long.MaxValue)
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
            var created = !File.Exists(target);
            if (created) File.Move(temp, target);
            else File.Delete(temp);
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

    public Task<Stored> Write(byte[] content, CancellationToken ct) => Write(new MemoryStream(content, writable: false), ct);

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

    /// <summary>
    /// Removes a file. Files are shared by content, so call it only for one that no record references
    /// (an upload that failed validation, say); false when it was not there.
    /// </summary>
    public bool Delete(string sha256)
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
