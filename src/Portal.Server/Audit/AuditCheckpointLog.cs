using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Contracts.Audit;
using Portal.Server.Hosting;

namespace Portal.Server.Audit;

/// <summary>
/// The checkpoint file, <c>audit/checkpoints.jsonl</c> in the data folder, outside the database: one JSON line per
/// checkpoint, only ever appended to. The first checkpoint's <see cref="AuditCheckpoint.Previous"/> is
/// <see cref="AuditHash.Genesis"/>.
/// </summary>
public sealed class AuditCheckpointLog(IOptions<PortalOptions> options, AuditChainKey key, TimeProvider clock)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AuditCheckpoint? _latest;
    private bool _read;

    /// <summary>What the file holds: its checkpoints in file order, and the first line that fails, if any.</summary>
    public sealed record Contents(IReadOnlyList<AuditCheckpoint> Checkpoints, string? Problem)
    {
        public AuditCheckpoint? Latest => Checkpoints.Count == 0 ? null : Checkpoints[^1];
    }

    public string FilePath { get; } = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "audit", "checkpoints.jsonl");

    /// <summary>
    /// Reads every checkpoint and checks each: readable, authentic (its MAC), following the one before, and never
    /// going back in the chain. Reading stops at the first line that fails.
    /// </summary>
    public async Task<Contents> Read(CancellationToken ct)
    {
        var checkpoints = new List<AuditCheckpoint>();
        if (!File.Exists(FilePath)) return new Contents(checkpoints, null);
        var lineNumber = 0;
        var previous = AuditHash.Genesis;
        long sequence = 0;
        await foreach (var line in File.ReadLinesAsync(FilePath, ct))
        {
            lineNumber++;
            var checkpoint = Parse(line);
            string? problem = null;
            if (checkpoint is null) problem = $"line {lineNumber} of the checkpoint file is not a checkpoint";
            else if (!checkpoint.IsAuthentic(key)) problem = $"checkpoint {lineNumber} (event {checkpoint.Sequence}) is forged: its MAC is not the portal's";
            else if (checkpoint.Previous != previous) problem = $"checkpoint {lineNumber} does not follow checkpoint {lineNumber - 1}: a checkpoint was removed or reordered";
            else if (checkpoint.Sequence < sequence) problem = $"checkpoint {lineNumber} goes back to event {checkpoint.Sequence} after event {sequence}";
            if (problem is not null) return new Contents(checkpoints, problem);
            checkpoints.Add(checkpoint!);
            previous = checkpoint!.Mac;
            sequence = checkpoint.Sequence;
        }
        return new Contents(checkpoints, null);
    }

    /// <summary>
    /// Appends a checkpoint of (<paramref name="sequence"/>, <paramref name="head"/>) unless the latest checkpoint
    /// already reaches that far; returns the checkpoint written, or null.
    /// </summary>
    public async Task<AuditCheckpoint?> Append(long sequence, string head, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var latest = await LatestUnlocked(ct);
            if (latest is not null && latest.Sequence >= sequence) return null;
            var checkpoint = AuditCheckpoints.Create(sequence, head, AuditHash.Truncate(clock.GetUtcNow()), latest?.Mac ?? AuditHash.Genesis, key);
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            var append = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows()) append.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            await using var file = new FileStream(FilePath, append);
            await file.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(checkpoint, s_json) + "\n"), ct);
            file.Flush(flushToDisk: true);
            _latest = checkpoint;
            return checkpoint;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The latest checkpoint (null when there is none yet); throws when the file fails its checks.</summary>
    public async Task<AuditCheckpoint?> Latest(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await LatestUnlocked(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    // This process is the file's only writer: it reads (and checks) the file once, then remembers its tail.
    private async Task<AuditCheckpoint?> LatestUnlocked(CancellationToken ct)
    {
        if (_read) return _latest;
        var contents = await Read(ct);
        if (contents.Problem is not null) throw new InvalidOperationException($"The audit checkpoints cannot be extended: {contents.Problem} ({FilePath}).");
        _latest = contents.Latest;
        _read = true;
        return _latest;
    }

    private static AuditCheckpoint? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<AuditCheckpoint>(line, s_json) is { Head: not null, Previous: not null, Mac: not null } c ? c : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
