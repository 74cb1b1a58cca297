using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Server.Api;

namespace Portal.Server.Persistence;

/// <summary>Tells <see cref="StorageHealth"/> of every database command refused for a storage reason, and of every save that committed.</summary>
public sealed class StorageHealthInterceptor(StorageHealth health) : DbCommandInterceptor, ISaveChangesInterceptor
{
    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Observe(eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception);
        return Task.CompletedTask;
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        health.Wrote();
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        health.Wrote();
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Observe(eventData.Exception);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception);
        return Task.CompletedTask;
    }

    private void Observe(Exception error)
    {
        if (ProblemMapping.StorageFailure(error) is { } cause) health.Failed(cause);
    }
}
