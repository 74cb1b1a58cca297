using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Contracts.Jobs;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>
/// A runner's hold on its jobs, checked on each provider (<see cref="SqliteJobLeaseTests"/>, <see cref="PostgresJobLeaseTests"/>):
/// the lease is renewed while a job runs, and a runner that finds its job held by another stops it and records nothing.
/// </summary>
public abstract class JobLeaseContract : IDisposable
{
    /// <summary>The shortest lease the options take: renewed every second.</summary>
    public const string ShortLease = "00:00:03";

    protected JobLeaseContract(TestStorage storage) => Storage = storage;

    protected TestStorage Storage { get; }

    public void Dispose() => Storage.Dispose();

    /// <summary>A portal on this test's storage, holding jobs on <see cref="ShortLease"/>.</summary>
    protected ProbePortal StartPortal()
    {
        var portal = ProbePortal.Restart(Storage);
        portal.Settings["Portal:Jobs:Lease"] = ShortLease;
        return portal;
    }

    [Fact]
    public async Task A_running_job_has_its_lease_renewed_until_it_ends()
    {
        await using var portal = StartPortal();
        await portal.AdminClient();
        var gate = Guid.NewGuid().ToString("N");
        var id = await portal.Enqueue(new ProbeJobHandler.Payload(gate), PortalFactory.AdminUserName);
        await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var first = await Lease(portal, id);
        Assert.NotNull(first);
        Assert.True(first > portal.Clock.GetUtcNow(), $"The lease {first} has run out already.");

        var renewed = await Poll.Until(() => Lease(portal, id), lease => lease > first, TimeSpan.FromSeconds(10),
            lease => $"The lease of job {id} stayed at {lease} (first {first}).", TimeSpan.FromMilliseconds(100));

        portal.Probe.For(gate).Open();
        await (await portal.AdminClient()).WaitForJob(id, JobState.Succeeded);
        Assert.True(renewed > first);
        Assert.Null(await Lease(portal, id));
    }

    [Fact]
    public async Task A_runner_whose_job_was_taken_by_another_stops_it_and_records_nothing()
    {
        await using var portal = StartPortal();
        await portal.AdminClient();
        var gate = Guid.NewGuid().ToString("N");
        var id = await portal.Enqueue(new ProbeJobHandler.Payload(gate), PortalFactory.AdminUserName);
        await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var running = portal.Services.GetRequiredService<RunningJobs>();
        Assert.True(running.RunsHere(id));

        // What another runner's takeover leaves in the row: its name, a fresh stamp and a lease of its own.
        var later = portal.Clock.GetUtcNow().AddHours(1);
        // Whole seconds: stored exactly by every provider.
        var until = new DateTimeOffset(later.Ticks - later.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var stamp = Guid.NewGuid();
        await portal.InDatabase(db => db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.ClaimedBy, "node-b/7").SetProperty(j => j.ConcurrencyStamp, stamp).SetProperty(j => j.LeaseExpiresAt, until)));

        await Poll.Until(() => !running.RunsHere(id), TimeSpan.FromSeconds(10), () => $"Job {id} still runs here after another runner took it.");
        var row = await portal.InDatabase(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id));
        Assert.Equal((JobState.Running, "node-b/7", stamp, (DateTimeOffset?)until), (row.State, row.ClaimedBy, row.ConcurrencyStamp, row.LeaseExpiresAt));
        var actions = await portal.InDatabase(db => db.AuditEvents.Where(e => e.SubjectId == id.ToString()).Select(e => e.Action).ToListAsync());
        Assert.Equal(["job.start"], actions);
        Assert.Empty(portal.Probe.Released);
    }

    /// <summary>
    /// A job another runner holds on a live lease, written while <paramref name="portal"/> runs (its runner leaves a
    /// running job alone), as a node that is still alive leaves it.
    /// </summary>
    protected static async Task<Guid> RunningElsewhere(PortalFactory portal, string runner, string gate = "never")
    {
        var now = portal.Clock.GetUtcNow();
        var job = new JobRecord { Kind = ProbeJobHandler.ProbeKind, Payload = $"{{\"gate\":\"{gate}\"}}", CreatedBy = PortalFactory.AdminUserName };
        JobLifecycle.Move(job, JobState.Running, now, runner: runner, leaseUntil: now.AddHours(1));
        await portal.InDatabase(db =>
        {
            db.Jobs.Add(job);
            return db.SaveChangesAsync();
        });
        return job.Id;
    }

    protected static Task<DateTimeOffset?> Lease(PortalFactory portal, Guid id) =>
        portal.InDatabase(db => db.Jobs.AsNoTracking().Where(j => j.Id == id).Select(j => j.LeaseExpiresAt).SingleAsync());
}

public sealed class SqliteJobLeaseTests() : JobLeaseContract(TestStorage.Sqlite())
{
    [Fact]
    public async Task At_start_a_running_job_is_interrupted_even_on_a_live_lease_because_sqlite_has_one_process()
    {
        Guid id;
        await using (var before = StartPortal())
        {
            await before.AdminClient();
            id = await RunningElsewhere(before, "dead-node/4242");
        }

        await using var after = StartPortal();
        var job = await (await after.AdminClient()).GetJson<JobView>($"/api/v1/jobs/{id}");
        Assert.Equal(JobState.Interrupted, job.State);
        Assert.Contains("held by dead-node/4242", job.Error);
    }
}

/// <summary>Needs PORTAL_TEST_POSTGRES (scripts/test.sh sets it); without it every test here fails and says so.</summary>
public sealed class PostgresJobLeaseTests() : JobLeaseContract(TestStorage.Postgres())
{
    [Fact]
    public async Task At_start_a_job_another_node_holds_on_a_live_lease_is_left_running()
    {
        Guid live;
        await using (var before = StartPortal())
        {
            await before.AdminClient();
            live = await RunningElsewhere(before, "node-b/7");
        }

        await using var after = StartPortal();
        var admin = await after.AdminClient();
        // A job queued after start runs to its end, so recovery and several claim rounds are over.
        var gate = Guid.NewGuid().ToString("N");
        var queued = await after.Enqueue(new ProbeJobHandler.Payload(gate, Wait: false), PortalFactory.AdminUserName);
        await admin.WaitForJob(queued, JobState.Succeeded);

        var job = await admin.GetJson<JobView>($"/api/v1/jobs/{live}");
        Assert.Equal((JobState.Running, "node-b/7", 1), (job.State, job.ClaimedBy, job.Attempts));
        Assert.Empty(await after.InDatabase(db => db.AuditEvents.Where(e => e.SubjectId == live.ToString()).ToListAsync()));
    }

    [Fact]
    public async Task A_job_whose_runner_stopped_renewing_is_taken_over_and_resumes_from_its_checkpoint()
    {
        await using var portal = StartPortal();
        await portal.AdminClient();
        var gate = Guid.NewGuid().ToString("N");
        var now = portal.Clock.GetUtcNow();
        var orphan = new JobRecord { Kind = ProbeJobHandler.ProbeKind, Payload = $"{{\"gate\":\"{gate}\"}}", CreatedBy = PortalFactory.AdminUserName };
        JobLifecycle.Move(orphan, JobState.Running, now.AddMinutes(-1), runner: "dead-node/4242", leaseUntil: now.AddSeconds(-1));
        orphan.Progress = 0.4;
        await portal.InDatabase(db =>
        {
            db.Jobs.Add(orphan);
            return db.SaveChangesAsync();
        });

        var resumed = await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((2, true, 0.4), (resumed.Attempt, resumed.Resuming, resumed.Progress));
        var runner = portal.Services.GetServices<IHostedService>().OfType<JobRunner>().Single().Name;
        var row = await portal.InDatabase(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == orphan.Id));
        Assert.Equal((JobState.Running, runner), (row.State, row.ClaimedBy));
        Assert.True(row.LeaseExpiresAt > now);
        portal.Probe.For(gate).Open();
        var admin = await portal.AdminClient();
        await admin.WaitForJob(orphan.Id, JobState.Succeeded);
        var audit = await portal.InDatabase(db => db.AuditEvents.Where(e => e.SubjectId == orphan.Id.ToString()).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(["job.takeover", "job.start", "job.succeed"], audit.Select(e => e.Action));
        Assert.Contains("dead-node/4242", audit[0].Details);
        Assert.Contains(runner, audit[0].Details);
    }
}
