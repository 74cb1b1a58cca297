namespace Portal.Server.Artifacts;

/// <summary>The files one <see cref="ArtifactStore.Keep"/> call writes, each with what it is; usable only during that call.</summary>
public sealed class ArtifactBatch
{
    private readonly ArtifactStore _store;
    private readonly List<(ArtifactStore.Stored File, string MediaType)> _files = [];
    private bool _settled;

    internal ArtifactBatch(ArtifactStore store) => _store = store;

    internal IReadOnlyList<(ArtifactStore.Stored File, string MediaType)> Files => _files;

    /// <summary>The files this batch put in the store (not those whose content was there already).</summary>
    internal IEnumerable<string> Created => _files.Where(f => f.File.Created).Select(f => f.File.Sha256).Distinct();

    /// <exception cref="ArtifactTooLargeException">The content is longer than <paramref name="maxBytes"/>.</exception>
    public async Task<ArtifactStore.Stored> Write(Stream content, string mediaType, CancellationToken ct, long maxBytes = long.MaxValue)
    {
        ObjectDisposedException.ThrowIf(_settled, this);
        var stored = await _store.WriteHeld(content, ct, maxBytes);
        _files.Add((stored, mediaType));
        return stored;
    }

    public Task<ArtifactStore.Stored> Write(byte[] content, string mediaType, CancellationToken ct) =>
        Write(new MemoryStream(content, writable: false), mediaType, ct);

    internal bool IsSettled => _settled;

    internal void Settled() => _settled = true;
}
