using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>
/// Runners in several processes on one PostgreSQL database: claims lock rows other runners skip, and a cancel reaches
/// the runner that holds the job. Needs PORTAL_TEST_POSTGRES; without it every test here fails and says so.
/// </summary>
public sealed class PostgresJobClaimTests : IDisposable
{
    private readonly TestStorage _storage = TestStorage.Postgres();
    // One interceptor for every context, as in one process: its claims' audit events chain one after another.
    private readonly AuditChainInterceptor _audit = new(new AuditChainKey(new byte[32]));
    private readonly JobQueue _queue = new(TimeProvider.System, Options.Create(new PortalOptions()));

    public void Dispose() => _storage.Dispose();

    private PostgresPortalDbContext Open() => new(new DbContextOptionsBuilder<PostgresPortalDbContext>()
        .UseNpgsql(_storage.ConnectionString)
        .AddInterceptors(_audit)
        .Options);

    private async Task<List<Guid>> Enqueue(int count)
    {
        await using var db = Open();
        await db.Database.MigrateAsync();
        List<Guid> ids = [];
        for (var i = 0; i < count; i++)
        {
            ids.Add(_queue.Enqueue(db, ProbeJobHandler.ProbeKind, new { gate = $"g{i}" }, "ann").Id);
            // Distinct creation times, so "oldest first" names one job.
            await Task.Delay(2);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    /// <summary>One claim round of a runner: lock the lane's next job, claim it, commit; null when none is left.</summary>
    private async Task<Guid?> ClaimNext(string runner)
    {
        await using var db = Open();
        await using var transaction = await db.Database.BeginTransactionAsync();
        if (await _queue.NextClaimable(db, [ProbeJobHandler.ProbeKind], exceptKinds: false, default) is not { } job) return null;
        if (!await _queue.TryClaim(db, new AuditLog(db, TimeProvider.System), job, runner, default)) return Guid.Empty;
        await transaction.CommitAsync();
        return job.Id;
    }

    [Fact]
    public async Task A_job_locked_by_one_runners_claim_is_skipped_by_another_without_waiting()
    {
        var ids = await Enqueue(2);
        await using var first = Open();
        await using var holding = await first.Database.BeginTransactionAsync();
        var lockedByFirst = await _queue.NextClaimable(first, [ProbeJobHandler.ProbeKind], exceptKinds: false, default);

        await using var second = Open();
        await using var other = await second.Database.BeginTransactionAsync();
        var seenBySecond = await _queue.NextClaimable(second, [ProbeJobHandler.ProbeKind], exceptKinds: false, default).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ids[0], lockedByFirst?.Id);
        Assert.Equal(ids[1], seenBySecond?.Id);
    }

    [Fact]
    public async Task Two_runners_claiming_at_once_never_both_get_one_job()
    {
        var ids = await Enqueue(12);

        async Task<List<Guid>> Runner(string name)
        {
            List<Guid> claimed = [];
            while (await ClaimNext(name) is { } id)
            {
                Assert.NotEqual(Guid.Empty, id);
                claimed.Add(id);
            }
            return claimed;
        }
        var rounds = await Task.WhenAll(Runner("node-a"), Runner("node-b"));

        Assert.Equal(ids.Order(), rounds.SelectMany(r => r).Order());
        await using var check = Open();
        var jobs = await check.Jobs.AsNoTracking().ToListAsync();
        Assert.All(jobs, j => Assert.Equal((JobState.Running, 1), (j.State, j.Attempts)));
        Assert.Equal(rounds[0].Order(), jobs.Where(j => j.ClaimedBy == "node-a").Select(j => j.Id).Order());
        Assert.Equal(12, await check.AuditEvents.CountAsync(e => e.Action == "job.start"));
    }

    [Fact]
    public async Task A_cancel_made_on_another_node_reaches_the_runner_that_holds_the_job_at_its_next_renewal()
    {
        await using var a = ProbePortal.Restart(_storage);
        a.Settings["Portal:Jobs:Lease"] = JobLeaseContract.ShortLease;
        await a.AdminClient();
        await using var b = ProbePortal.Restart(_storage);
        b.Settings["Portal:Jobs:Lease"] = JobLeaseContract.ShortLease;
        await b.AdminClient();

        var gate = Guid.NewGuid().ToString("N");
        var id = await a.Enqueue(new ProbeJobHandler.Payload(gate), PortalFactory.AdminUserName);
        var started = await Task.WhenAny(a.Probe.For(gate).Started.Task, b.Probe.For(gate).Started.Task).WaitAsync(TimeSpan.FromSeconds(30));
        var (holder, elsewhere) = started == a.Probe.For(gate).Started.Task ? (a, b) : (b, a);

        var answer = await (await elsewhere.AdminClient()).PostAsync($"/api/v1/jobs/{id}/cancel", null);
        var signalled = await answer.ReadJson<JobView>(HttpStatusCode.Accepted);
        Assert.Equal(JobState.Running, signalled.State);

        var cancelled = await (await holder.AdminClient()).WaitForJob(id, JobState.Cancelled, TimeSpan.FromSeconds(15));
        Assert.Equal($"Cancelled by {PortalFactory.AdminUserName}.", cancelled.Error);
        await holder.Probe.WaitReleased(id);
        Assert.Empty(elsewhere.Probe.Released);
        var audit = await holder.InDatabase(db => db.AuditEvents.SingleAsync(e => e.SubjectId == id.ToString() && e.Action == "job.cancel"));
        Assert.Equal(PortalFactory.AdminUserName, audit.Actor);
    }
}
