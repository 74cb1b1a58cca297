using Npgsql;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use, from PORTAL_TEST_POSTGRES (a connection string without a database, e.g.
/// <c>Host=127.0.0.1;Port=55432;Username=portal;Password=portal</c>; scripts/test.sh starts one and sets it).
/// Each caller gets a database of its own, created empty and dropped afterwards.
/// </summary>
public static class PostgresTestServer
{
    public const string Variable = "PORTAL_TEST_POSTGRES";

    /// <summary>
    /// The server's connection string. Without it the PostgreSQL tests fail (never pass silently) and say how to get one.
    /// </summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL half of the tests cannot run. Run scripts/test.sh (it installs " +
                $"and starts a private PostgreSQL on 127.0.0.1 and sets {Variable}), or for a quicker loop: " +
                "eval \"$(scripts/test-postgres.sh)\" and then dotnet test.");

    /// <summary>Creates an empty database and returns the connection string that opens it.</summary>
    public static string CreateDatabase()
    {
        var name = $"portal_test_{Guid.NewGuid():N}";
        using (var admin = OpenMaintenance())
        using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin))
            create.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database, closing the connections still open to it (pooled ones included).</summary>
    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database
            ?? throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        using var admin = OpenMaintenance();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        drop.ExecuteNonQuery();
    }

    private static NpgsqlConnection OpenMaintenance()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }
}
