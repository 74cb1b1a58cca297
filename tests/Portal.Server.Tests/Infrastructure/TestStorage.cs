using Microsoft.Data.Sqlite;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// Where a portal under test keeps its state: a fresh temporary data folder (artifacts, and the SQLite file) and,
/// for PostgreSQL, a fresh database on the test server. Dispose deletes the folder and drops the database.
/// Several <see cref="PortalFactory"/> instances may run one after another on one storage, like restarts.
/// </summary>
public sealed class TestStorage : IDisposable
{
    public const string SqliteProvider = "sqlite";
    public const string PostgresProvider = "postgres";

    private bool _disposed;

    private TestStorage(string provider, string? connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        DataDirectory = Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
    }

    /// <summary><see cref="SqliteProvider"/> or <see cref="PostgresProvider"/>, as Portal:Database:Provider takes it.</summary>
    public string Provider { get; }

    /// <summary>The PostgreSQL database's connection string; null for SQLite (the portal's own file in the data folder).</summary>
    public string? ConnectionString { get; }

    public string DataDirectory { get; }

    public bool IsPostgres => Provider == PostgresProvider;

    public static TestStorage Sqlite() => new(SqliteProvider, null);

    /// <summary>A fresh database on the server named by PORTAL_TEST_POSTGRES; throws, saying how to start one, without it.</summary>
    public static TestStorage Postgres() => new(PostgresProvider, PostgresTestServer.CreateDatabase());

    public static TestStorage For(string provider) => provider switch
    {
        SqliteProvider => Sqlite(),
        PostgresProvider => Postgres(),
        _ => throw new ArgumentException($"'{provider}' is not a test provider; use {SqliteProvider} or {PostgresProvider}.", nameof(provider)),
    };

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (IsPostgres) PostgresTestServer.DropDatabase(ConnectionString!);
        else SqliteConnection.ClearAllPools();
        // A file written as the portal stops (the last audit checkpoint, SQLite closing its WAL) can land while the
        // folder is being removed; the removal is tried again rather than failing the test that owned the folder.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }
}
