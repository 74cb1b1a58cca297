using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>
/// Gives new audit events their sequence numbers and hashes as they are saved. Saves that carry audit events
/// run one at a time in this process, from reading the chain's tail to commit, so the chain never forks; across
/// processes the unique sequence and previous-hash indexes refuse a fork. Hashes are keyed (<see cref="AuditChainKey"/>).
/// A save inside an explicit transaction (a job claim holding its row lock) keeps the turn until the transaction ends:
/// its events are not in the chain's tail for the next save to read until then. So every explicit transaction around
/// an audited save must end in an explicit commit or rollback: EF tells interceptors nothing of a transaction that is
/// only disposed, and the turn would never come back.
/// </summary>
public sealed class AuditChainInterceptor(AuditChainKey key) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DbContext? _holder;

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PortalDbContext db) await Chain(db, cancellationToken);
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is PortalDbContext db) Chain(db, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        ReleaseUnlessInTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        ReleaseUnlessInTransaction(eventData.Context);
        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Release(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    // EF reports an optimistic-concurrency failure here, and not through SaveChangesFailed: without this, a refused
    // save would keep the gate and every later audited save in the process would wait forever.
    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private async Task Chain(PortalDbContext db, CancellationToken ct)
    {
        // In append order: AuditLog gives each a decreasing negative provisional sequence.
        var pending = db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).OrderByDescending(e => e.Sequence).ToList();
        if (pending.Count == 0) return;
        await _gate.WaitAsync(ct);
        _holder = db;
        var tail = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(ct);
        var sequence = tail?.Sequence ?? 0;
        var previous = tail?.Hash ?? AuditHash.Genesis;
        foreach (var e in pending)
        {
            e.Sequence = ++sequence;
            e.PreviousHash = previous;
            e.Hash = AuditHash.Keyed(e, key);
            previous = e.Hash;
        }
    }

    private void ReleaseUnlessInTransaction(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null) Release(context);
    }

    private void Release(DbContext? context)
    {
        // Only the save that took the gate (one at a time) gives it back.
        if (context is null || !ReferenceEquals(Interlocked.CompareExchange(ref _holder, null, context), context)) return;
        _gate.Release();
    }
}
