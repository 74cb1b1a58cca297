using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Server.Api;
using Portal.Server.Hosting;

namespace Portal.Server.Persistence;

/// <summary>
/// Whether storage takes writes, for readiness: a write refused for a storage reason (a read-only database, a full
/// data volume) marks it faulty until a later write succeeds or a probe write does. Reads go on either way.
/// </summary>
public sealed class StorageHealth(IServiceScopeFactory scopes, IOptions<PortalOptions> options, ILogger<StorageHealth> log)
{
    private const int ProbeBytes = 4096;
    private volatile string? _fault;

    /// <summary>Why the last write failed, as <see cref="ProblemMapping.StorageFailure"/> words it; null while writes work.</summary>
    public string? Fault => _fault;

    public void Failed(string cause)
    {
        if (_fault != cause) log.LogError("Storage refuses writes: {Cause}", cause);
        _fault = cause;
    }

    public void Wrote()
    {
        if (_fault is null) return;
        _fault = null;
        log.LogWarning("Storage takes writes again.");
    }

    /// <summary>
    /// Null when storage takes writes; otherwise the cause. While a fault is recorded, each call probes: a small file
    /// written durably to the data volume and removed, and a database update in a transaction that is rolled back.
    /// </summary>
    public async Task<string?> Check(CancellationToken ct)
    {
        if (_fault is null) return null;
        try
        {
            await ProbeVolume(ct);
            await ProbeDatabase(ct);
            Wrote();
            return null;
        }
        catch (Exception e) when (ProblemMapping.StorageFailure(e) is { } cause)
        {
            Failed(cause);
            return cause;
        }
    }

    private async Task ProbeVolume(CancellationToken ct)
    {
        var path = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), $".storage-probe-{Guid.NewGuid():N}");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true);
            await file.WriteAsync(new byte[ProbeBytes], ct);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task ProbeDatabase(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Jobs.Where(j => j.Id == Guid.Empty).ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, j => j.Progress), ct);
        await transaction.RollbackAsync(ct);
    }
}
