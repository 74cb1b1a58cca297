using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Auth;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Persistence;

/// <summary>
/// What the database layer promises, checked on each provider by a subclass (<see cref="SqlitePersistenceTests"/>,
/// <see cref="PostgresPersistenceTests"/>). Every test runs on storage of its own.
/// </summary>
public abstract class PersistenceContract
{
    protected abstract TestStorage NewStorage();

    [Fact]
    public async Task Upgrading_a_database_made_by_the_first_migration_keeps_its_data()
    {
        using var storage = NewStorage();
        string model;
        await using (var portal = PortalFactory.On(storage))
        {
            var admin = await portal.AdminClient();
            model = $"kept-{Guid.NewGuid():N}"[..13];
            Assert.Equal(HttpStatusCode.Created, (await admin.PostJson("/api/v1/models", new { name = model, description = "made before the upgrade" })).StatusCode);
            // Back to the first schema, as the first release of Portal left the database (with its rows).
            await portal.InDatabase(db => db.GetService<IMigrator>().MigrateAsync(db.Database.GetMigrations().First()));
            Assert.Single(await portal.InDatabase(db => db.Database.GetAppliedMigrationsAsync()));
        }

        await using var upgraded = PortalFactory.On(storage);
        var again = await upgraded.AdminClient();

        var kept = await again.GetJson<ModelView>($"/api/v1/models/{model}");
        Assert.Equal("made before the upgrade", kept.Description);
        Assert.Equal(
            await upgraded.InDatabase(db => Task.FromResult(db.Database.GetMigrations().ToList())),
            await upgraded.InDatabase(db => db.Database.GetAppliedMigrationsAsync()));
        Assert.True((await again.GetJson<AuditChainReport>("/api/v1/audit/verify")).Valid);
    }

    [Fact]
    public async Task Migrations_build_an_empty_database_that_matches_the_model()
    {
        using var storage = NewStorage();
        await using var portal = PortalFactory.On(storage);
        await portal.InDatabase(async db =>
        {
            Assert.Equal(storage.IsPostgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
            var all = db.Database.GetMigrations().ToList();
            Assert.NotEmpty(all);
            Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync());
            Assert.False(db.Database.HasPendingModelChanges(),
                $"The {storage.Provider} migrations do not match the model: regenerate them with scripts/migrations.sh (see the server brief).");
            foreach (var table in db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct())
                Assert.True(await CountRows(db, table) >= 0);
            Assert.Equal(PortalRoles.All.Count, await db.Roles.CountAsync());
            Assert.Equal([PortalFactory.AdminUserName], await db.Users.Select(u => u.UserName).ToListAsync());
        });
    }

    [Fact]
    public async Task A_restart_keeps_users_keys_rows_and_the_audit_trail_and_applies_nothing()
    {
        using var storage = NewStorage();
        // A finished job, so the portal's job runner leaves the row as it is.
        var job = new JobRecord
        {
            Kind = JobKinds.Training,
            State = JobState.Succeeded,
            Payload = "{\"runId\":\"r\"}",
            CreatedBy = "tests",
            CreatedAt = Exact(2026, 5, 17),
            FinishedAt = Exact(2026, 5, 18),
            Progress = 1,
        };
        TestUser user;
        List<string> applied;
        long events;
        await using (var first = PortalFactory.On(storage))
        {
            user = await first.CreateUser(PortalRoles.Contributor);
            await first.InDatabase(db =>
            {
                db.Jobs.Add(job);
                return db.SaveChangesAsync();
            });
            applied = await first.InDatabase(async db => (await db.Database.GetAppliedMigrationsAsync()).ToList());
            events = await first.InDatabase(db => db.AuditEvents.LongCountAsync());
        }

        await using var second = PortalFactory.On(storage, adminPassword: "a different admin password");
        Assert.Equal(applied, await second.InDatabase(async db => (await db.Database.GetAppliedMigrationsAsync()).ToList()));
        Assert.Empty(await second.InDatabase(db => db.Database.GetPendingMigrationsAsync()));

        var me = await second.ClientWithKey(user.ApiKey).GetJson<Me>("/api/v1/auth/me");
        Assert.Equal((user.Id, PortalRoles.Contributor), (me.Id, me.Roles.Single()));
        await second.SignIn(user.UserName, user.Password);
        var admin = await second.SignIn(PortalFactory.AdminUserName, PortalFactory.AdminPassword);
        var withNewPassword = await second.AnonymousClient().PostJson("/api/v1/auth/sign-in", new SignInRequest(PortalFactory.AdminUserName, "a different admin password"));
        Assert.Equal(HttpStatusCode.Unauthorized, withNewPassword.StatusCode);

        var stored = await second.InDatabase(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        Assert.Equal((job.Kind, job.State, job.Payload, job.CreatedAt, job.FinishedAt, job.Progress, job.ConcurrencyStamp),
            (stored.Kind, stored.State, stored.Payload, stored.CreatedAt, stored.FinishedAt, stored.Progress, stored.ConcurrencyStamp));
        Assert.Equal(1, await second.InDatabase(db => db.Users.CountAsync(u => u.UserName == PortalFactory.AdminUserName)));
        Assert.True(await second.InDatabase(db => db.AuditEvents.LongCountAsync()) >= events);
        var report = await admin.GetJson<AuditChainReport>("/api/v1/audit/verify");
        Assert.True(report.Valid, report.Problem);
        Assert.Equal(1, await second.InDatabase(db => db.AuditEvents.CountAsync(e => e.Action == "user.create" && e.Actor == "system")));
    }

    [Fact]
    public async Task A_second_update_of_a_job_from_a_stale_read_fails_with_a_concurrency_error()
    {
        using var storage = NewStorage();
        await using var portal = PortalFactory.On(storage);
        // Interrupted: a state the job runner never picks up by itself, so only the two contexts below write the row.
        var job = new JobRecord { Kind = JobKinds.Training, State = JobState.Interrupted, Payload = "{}", CreatedBy = "tests" };
        await portal.InDatabase(db =>
        {
            db.Jobs.Add(job);
            return db.SaveChangesAsync();
        });

        await using var a = portal.Services.CreateAsyncScope();
        await using var b = portal.Services.CreateAsyncScope();
        var dbA = a.ServiceProvider.GetRequiredService<PortalDbContext>();
        var dbB = b.ServiceProvider.GetRequiredService<PortalDbContext>();
        var seenByA = await dbA.Jobs.SingleAsync(j => j.Id == job.Id);
        var seenByB = await dbB.Jobs.SingleAsync(j => j.Id == job.Id);
        Claim(seenByA, "runner-a");
        Claim(seenByB, "runner-b");

        await dbA.SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => dbB.SaveChangesAsync());
        Assert.Equal("runner-a", (await portal.InDatabase(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id))).ClaimedBy);
    }

    [Fact]
    public async Task Two_alias_moves_from_the_same_state_cannot_both_apply()
    {
        using var storage = NewStorage();
        await using var portal = PortalFactory.On(storage);
        var model = Guid.NewGuid();
        Guid v1 = Guid.NewGuid(), v2 = Guid.NewGuid(), v3 = Guid.NewGuid();
        await portal.InDatabase(db =>
        {
            db.Models.Add(new RegisteredModel { Id = model, Name = "contended", CreatedBy = "tests" });
            db.Aliases.Add(new ModelAlias { ModelId = model, Name = "production", VersionId = v1, UpdatedBy = "tests" });
            return db.SaveChangesAsync();
        });

        await using var a = portal.Services.CreateAsyncScope();
        await using var b = portal.Services.CreateAsyncScope();
        var previousA = await a.ServiceProvider.GetRequiredService<AliasMover>().Stage(model, "production", v2, AliasMoveReason.Promotion, "alice", null, CancellationToken.None);
        var previousB = await b.ServiceProvider.GetRequiredService<AliasMover>().Stage(model, "production", v3, AliasMoveReason.Direct, "bob", null, CancellationToken.None);
        Assert.Equal(v1, previousA);
        Assert.Equal(v1, previousB);

        await a.ServiceProvider.GetRequiredService<PortalDbContext>().SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.ServiceProvider.GetRequiredService<PortalDbContext>().SaveChangesAsync());

        await portal.InDatabase(async db =>
        {
            var alias = await db.Aliases.AsNoTracking().SingleAsync(x => x.ModelId == model);
            Assert.Equal((v2, v1, "alice"), (alias.VersionId, alias.PreviousVersionId, alias.UpdatedBy));
            Assert.Equal([v2], await db.AliasAssignments.Where(x => x.ModelId == model).Select(x => x.VersionId).ToListAsync());
            Assert.Equal(["alice"], await db.AuditEvents.Where(e => e.SubjectId == model.ToString()).Select(e => e.Actor).ToListAsync());
        });
        await using (var check = portal.Services.CreateAsyncScope())
            Assert.True((await check.ServiceProvider.GetRequiredService<AuditChainVerifier>().Verify(CancellationToken.None)).Valid);
    }

    [Fact]
    public async Task Audit_times_read_back_to_the_tick_so_the_chain_verifies()
    {
        using var storage = NewStorage();
        await using var portal = PortalFactory.On(storage);
        DateTimeOffset[] times =
        [
            new DateTimeOffset(2026, 3, 29, 1, 59, 59, TimeSpan.Zero).AddTicks(9_999_999),
            new DateTimeOffset(2026, 11, 22, 15, 11, 2, TimeSpan.Zero).AddTicks(1_234_567),
            new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.FromHours(-5)).AddTicks(5),
            new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.FromHours(9)).AddTicks(123_450),
        ];
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            foreach (var time in times) new AuditLog(db, new FixedClock(time)).Append("tests", "test.time", "clock", time.ToString("O"));
            await db.SaveChangesAsync();
        }

        var stored = await portal.InDatabase(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == "test.time").OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(times.Select(t => AuditHash.Truncate(t).UtcTicks), stored.Select(e => e.Time.UtcTicks));
        Assert.All(stored, e => Assert.Equal(TimeSpan.Zero, e.Time.Offset));
        var key = portal.Services.GetRequiredService<AuditChainKey>();
        Assert.All(stored, e => Assert.Equal(e.Hash, AuditHash.Keyed(e, key)));
        var report = await (await portal.AdminClient()).GetJson<AuditChainReport>("/api/v1/audit/verify");
        Assert.True(report.Valid, report.Problem);
    }

    /// <summary>What a runner writes when it takes the job, as the job queue does.</summary>
    private static void Claim(JobRecord job, string runner)
    {
        job.ClaimedBy = runner;
        job.Attempts++;
        job.ConcurrencyStamp = Guid.NewGuid();
    }

    /// <summary>A UTC time that every provider stores exactly (whole microseconds).</summary>
    private static DateTimeOffset Exact(int year, int month, int day) => new DateTimeOffset(year, month, day, 8, 30, 15, TimeSpan.Zero).AddTicks(123_450);

    private static async Task<long> CountRows(PortalDbContext db, string table)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}

public sealed class SqlitePersistenceTests : PersistenceContract
{
    protected override TestStorage NewStorage() => TestStorage.Sqlite();
}

/// <summary>Needs PORTAL_TEST_POSTGRES (scripts/test.sh sets it); without it every test here fails and says so.</summary>
public sealed class PostgresPersistenceTests : PersistenceContract
{
    protected override TestStorage NewStorage() => TestStorage.Postgres();
}
