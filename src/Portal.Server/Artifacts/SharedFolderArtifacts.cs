using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Server.Hosting;

namespace Portal.Server.Artifacts;

/// <summary>
/// Blobs in a folder that every node mounts (<see cref="ArtifactOptions.Folder"/>): <c>ab/abcdef…</c>, named by their
/// SHA-256. A write goes to <c>.staging/&lt;node&gt;/</c>, is flushed to disk and renamed into place, so a crash leaves
/// either the whole blob or none, and each node's temporaries are its own: a node starting never removes another's
/// write in flight.
/// </summary>
public class SharedFolderArtifacts : IArtifactBlobs
{
    private readonly string _root;
    private readonly string _staging;
    private readonly string _ownStaging;

    public SharedFolderArtifacts(IOptions<PortalOptions> options)
    {
        var node = options.Value.Artifacts.NodeId;
        if (string.IsNullOrWhiteSpace(node) || node is "." or ".." || node.IndexOfAny(['/', '\\']) >= 0 || node.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new InvalidOperationException($"Portal:Artifacts:NodeId '{node}' cannot name a folder; use letters, digits, '-' or '.'.");
        _root = ArtifactOptions.FolderOf(options.Value);
        _staging = Path.Combine(_root, ".staging");
        _ownStaging = Path.Combine(_staging, node);
        Directory.CreateDirectory(_ownStaging);
    }

    public async Task<StagedArtifact> Stage(Stream content, long maxBytes, CancellationToken ct)
    {
        var temp = Path.Combine(_ownStaging, Guid.NewGuid().ToString("N"));
        try
        {
            await using var file = CreateStagingFile(temp);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            long size = 0;
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
            return new StagedArtifact(Convert.ToHexStringLower(hash.GetHashAndReset()), size, temp);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The seam where bytes meet the volume; tests put a full volume here.</summary>
    protected virtual FileStream CreateStagingFile(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);

    public bool Place(StagedArtifact staged)
    {
        var target = PathOf(staged.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target))
        {
            File.Delete(staged.Temporary);
            return false;
        }
        try
        {
            File.Move(staged.Temporary, target);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another node placed the same content between the check and the rename.
            File.Delete(staged.Temporary);
            return false;
        }
    }

    public void Abandon(StagedArtifact staged) => File.Delete(staged.Temporary);

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

    public bool Delete(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    public IEnumerable<(string Sha256, DateTimeOffset WrittenAt)> Stored()
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

    public int RemoveStaleTemporaries(DateTimeOffset othersWrittenBefore)
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_staging, "*", SearchOption.AllDirectories))
        {
            var own = string.Equals(Path.GetDirectoryName(file), _ownStaging, StringComparison.Ordinal);
            if (!own && File.GetLastWriteTimeUtc(file) >= othersWrittenBefore.UtcDateTime) continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit)) throw new ArgumentException($"'{sha256}' is not a SHA-256 hex digest.");
        return Path.Combine(_root, sha256[..2], sha256);
    }
}
