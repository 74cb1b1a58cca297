using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Server.Audit;
using Portal.Server.Hosting;

namespace Portal.Server.Persistence;

public static class DatabaseSetup
{
    public static IServiceCollection AddPortalDatabase(this IServiceCollection services, PortalOptions options)
    {
        services.AddSingleton<AuditChainInterceptor>();
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<StorageHealthInterceptor>();
        var database = options.Database;
        switch (database.Provider.ToLowerInvariant())
        {
            case "sqlite":
                var file = Path.Combine(Path.GetFullPath(options.DataDirectory), "portal.db");
                var sqlite = database.ConnectionString ?? $"Data Source={file};Cache=Shared";
                services.AddDbContext<PortalDbContext, SqlitePortalDbContext>((sp, o) =>
                    o.UseSqlite(sqlite).AddInterceptors(sp.GetRequiredService<AuditChainInterceptor>(), sp.GetRequiredService<StorageHealthInterceptor>()));
                break;
            case "postgres":
            case "postgresql":
                var postgres = database.ConnectionString
                    ?? throw new InvalidOperationException("Portal:Database:Provider is postgres but Portal:Database:ConnectionString is not set (e.g. Portal__Database__ConnectionString=\"Host=127.0.0.1;Database=portal;Username=portal;Password=…\").");
                services.AddDbContext<PortalDbContext, PostgresPortalDbContext>((sp, o) =>
                    o.UseNpgsql(postgres).AddInterceptors(sp.GetRequiredService<AuditChainInterceptor>(), sp.GetRequiredService<StorageHealthInterceptor>()));
                break;
            default:
                throw new InvalidOperationException($"Portal:Database:Provider is '{database.Provider}'; use sqlite or postgres.");
        }
        services.AddSingleton<IStartupTask, MigrateDatabase>();
        return services;
    }

    /// <summary>Applies pending migrations; existing data is kept (migrations only add and alter).</summary>
    private sealed class MigrateDatabase : IStartupTask
    {
        public int Order => 0;

        public async Task Run(IServiceProvider services, CancellationToken ct)
        {
            var options = services.GetRequiredService<IOptions<PortalOptions>>().Value;
            Directory.CreateDirectory(Path.GetFullPath(options.DataDirectory));
            var db = services.GetRequiredService<PortalDbContext>();
            await db.Database.MigrateAsync(ct);
            if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }
}
