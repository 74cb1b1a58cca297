using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Server.Persistence;

namespace Portal.Server.Artifacts;

/// <summary>
/// One commit or deletion at a time: in this process a semaphore; on PostgreSQL also, across processes, a
/// transaction-scoped advisory lock taken first in a transaction of the caller's context, so the work done through
/// that context before <see cref="Held.Complete"/> commits while the lock is held. On SQLite one process owns the
/// database and the semaphore is enough.
/// </summary>
internal sealed class ArtifactCommitLock
{
    // Any constant shared by every node; the value spells "PortalAr".
    private const long AdvisoryKey = 0x506F7274616C4172;

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <exception cref="InvalidOperationException">The context is already in a transaction: the lock must end with its own.</exception>
    public async Task<Held> Take(PortalDbContext db, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        IDbContextTransaction? transaction = null;
        try
        {
            if (db.Database.IsNpgsql())
            {
                if (db.Database.CurrentTransaction is not null)
                    throw new InvalidOperationException("The artifact store commits on its own: call it outside a transaction.");
                transaction = await db.Database.BeginTransactionAsync(ct);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdvisoryKey})", ct);
            }
            return new Held(_gate, transaction);
        }
        catch
        {
            if (transaction is not null) await End(transaction, committed: false);
            _gate.Release();
            throw;
        }
    }

    /// <summary>The lock, until disposed; what was not completed is rolled back.</summary>
    public sealed class Held(SemaphoreSlim gate, IDbContextTransaction? transaction) : IAsyncDisposable
    {
        private bool _committed;
        private bool _released;

        /// <summary>Commits the work done under the lock (on PostgreSQL, this releases the advisory lock).</summary>
        public async Task Complete(CancellationToken ct)
        {
            if (transaction is null) return;
            await transaction.CommitAsync(ct);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_released) return;
            _released = true;
            try
            {
                if (transaction is not null) await End(transaction, _committed);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    // An explicit rollback, not a bare dispose: the audit chain gives its turn back only when told the transaction ended.
    private static async Task End(IDbContextTransaction transaction, bool committed)
    {
        try
        {
            if (!committed) await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            // A broken connection: the server ends the transaction, and its advisory lock, with it.
        }
        finally
        {
            await transaction.DisposeAsync();
        }
    }
}
