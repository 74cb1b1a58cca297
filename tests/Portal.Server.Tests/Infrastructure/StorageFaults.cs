using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Server.Artifacts;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// Storage that refuses writes on demand, with the errors the real thing gives: while <see cref="Database"/> is set,
/// every INSERT, UPDATE or DELETE the portal sends fails as SQLite (SQLITE_READONLY 8, SQLITE_FULL 13) or PostgreSQL
/// (25006 read_only_sql_transaction, 53100 disk_full) fails it; while <see cref="VolumeFull"/>, writing a file to the
/// artifact store fails with ENOSPC. Reads are untouched. <see cref="Install"/> puts it into a portal's services.
/// </summary>
public sealed class StorageFaults : DbCommandInterceptor
{
    private const int NoSpaceErrno = 28;
    private volatile DatabaseFault _database;
    private volatile bool _volumeFull;
    private int _oneOffRefusals;

    public enum DatabaseFault
    {
        None,
        ReadOnly,
        Full,
    }

    public DatabaseFault Database
    {
        get => _database;
        set => _database = value;
    }

    public bool VolumeFull
    {
        get => _volumeFull;
        set => _volumeFull = value;
    }

    /// <summary>The next database write (only that one) is refused as a read-only database refuses it.</summary>
    public void RefuseNextWrite() => Interlocked.Exchange(ref _oneOffRefusals, 1);

    public void Install(IServiceCollection services)
    {
        services.ConfigureDbContext<SqlitePortalDbContext>(o => o.AddInterceptors(this));
        services.ConfigureDbContext<PostgresPortalDbContext>(o => o.AddInterceptors(this));
        services.RemoveAll<IArtifactBlobs>();
        services.AddSingleton<IArtifactBlobs>(sp => new FaultyArtifactFolder(this, sp.GetRequiredService<IOptions<PortalOptions>>()));
    }

    // Every way EF Core sends a command, sync or async, comes through one check before the command runs.
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Checked(command, result);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) => ValueTask.FromResult(Checked(command, result));

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
        Checked(command, result);

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default) => ValueTask.FromResult(Checked(command, result));

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Checked(command, result);

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default) => ValueTask.FromResult(Checked(command, result));

    /// <summary>Lets <paramref name="result"/> through, unless <paramref name="command"/> is a write that must be refused now.</summary>
    private T Checked<T>(DbCommand command, T result) => Refusal(command) is { } refusal ? throw refusal : result;

    private Exception? Refusal(DbCommand command)
    {
        if (!Writes(command.CommandText)) return null;
        var fault = _database;
        if (fault == DatabaseFault.None && Interlocked.CompareExchange(ref _oneOffRefusals, 0, 1) == 1) fault = DatabaseFault.ReadOnly;
        if (fault == DatabaseFault.None) return null;
        if (command is NpgsqlCommand)
        {
            return fault == DatabaseFault.ReadOnly
                ? new PostgresException("cannot execute UPDATE in a read-only transaction", "ERROR", "ERROR", "25006")
                : new PostgresException("could not extend file: No space left on device", "ERROR", "ERROR", "53100");
        }
        return fault == DatabaseFault.ReadOnly
            ? new SqliteException("SQLite Error 8: 'attempt to write a readonly database'.", 8)
            : new SqliteException("SQLite Error 13: 'database or disk is full'.", 13);
    }

    private static bool Writes(string sql)
    {
        var text = sql.TrimStart();
        return text.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class FaultyArtifactFolder(StorageFaults faults, IOptions<PortalOptions> options) : SharedFolderArtifacts(options)
    {
        protected override FileStream CreateStagingFile(string path) =>
            faults.VolumeFull ? new FullVolumeFile(path) : base.CreateStagingFile(path);
    }

    /// <summary>A file on a volume with no space left: created, but every write fails as the kernel fails it.</summary>
    private sealed class FullVolumeFile(string path) : FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true)
    {
        public override void Write(byte[] buffer, int offset, int count) => throw NoSpace();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw NoSpace();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw NoSpace();

        private static IOException NoSpace() => new("No space left on device", NoSpaceErrno);
    }
}
