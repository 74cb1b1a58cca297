namespace Portal.Server.Artifacts;

/// <summary>
/// Where the artifact store's bytes live: content-addressed blobs named by their SHA-256 (hex), written whole or not
/// at all and checked on read. It keeps no records; <see cref="ArtifactStore"/> decides what may be deleted.
/// </summary>
public interface IArtifactBlobs
{
    /// <summary>Writes <paramref name="content"/> to a temporary of this node's, hashing it; on failure nothing is left.</summary>
    /// <exception cref="ArtifactTooLargeException">The content is longer than <paramref name="maxBytes"/>.</exception>
    Task<StagedArtifact> Stage(Stream content, long maxBytes, CancellationToken ct);

    /// <summary>
    /// Puts a staged temporary under its SHA-256 and removes the temporary: true when it put the blob there, false when
    /// that content was stored already.
    /// </summary>
    bool Place(StagedArtifact staged);

    /// <summary>Removes a staged temporary that will not be placed (a failed placement); nothing when it is gone.</summary>
    void Abandon(StagedArtifact staged);

    /// <summary>The whole blob, after checking that it still hashes to its name.</summary>
    /// <exception cref="FileNotFoundException">No blob has that name.</exception>
    /// <exception cref="InvalidDataException">The blob no longer hashes to its name.</exception>
    Task<byte[]> ReadVerified(string sha256, CancellationToken ct);

    bool Exists(string sha256);

    /// <summary>False when it was not there.</summary>
    bool Delete(string sha256);

    /// <summary>Every stored blob: its name and when it was last written.</summary>
    IEnumerable<(string Sha256, DateTimeOffset WrittenAt)> Stored();

    /// <summary>
    /// Removes the temporaries that writes cut short left: all of this node's (called at its start, before it writes),
    /// and other nodes' only when written before <paramref name="othersWrittenBefore"/> (younger ones may be writes in
    /// flight). Returns how many were removed.
    /// </summary>
    int RemoveStaleTemporaries(DateTimeOffset othersWrittenBefore);
}

/// <summary>Content written to a temporary and hashed, not yet placed; <paramref name="Temporary"/> is the backend's own handle.</summary>
public sealed record StagedArtifact(string Sha256, long Size, string Temporary);
