using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>What survives a restart: the queue, every job's state, and jobs that were running when the server went away.</summary>
public sealed class JobRestartTests : IDisposable
{
    private readonly TestStorage _storage = TestStorage.Sqlite();

    public void Dispose() => _storage.Dispose();

    [Fact]
    public async Task Stopping_the_server_interrupts_a_running_job_and_resuming_runs_it_again_as_a_second_attempt()
    {
        Guid id;
        string gate;
        string owner;
        await using (var before = ProbePortal.Restart(_storage))
        {
            var user = await before.CreateUser(PortalRoles.Contributor);
            owner = user.UserName;
            gate = Guid.NewGuid().ToString("N");
            id = await before.Enqueue(new ProbeJobHandler.Payload(gate), owner);
            await before.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await using var after = ProbePortal.Restart(_storage);
        var admin = await after.AdminClient();
        var interrupted = await admin.GetJson<JobView>($"/api/v1/jobs/{id}");
        Assert.Equal(JobState.Interrupted, interrupted.State);
        Assert.Contains("shut down while the job ran", interrupted.Error);
        Assert.Empty(after.Probe.Released);

        var resumed = await (await admin.PostAsync($"/api/v1/jobs/{id}/resume", null)).ReadJson<JobView>();
        Assert.Equal(JobState.Queued, resumed.State);
        var second = await after.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((2, true), (second.Attempt, second.Resuming));
        after.Probe.For(gate).Open();
        var done = await admin.WaitForJob(id, JobState.Succeeded);
        Assert.Equal((2, owner), (done.Attempts, done.CreatedBy));
        var actions = await after.InDatabase(db => db.AuditEvents.Where(e => e.SubjectId == id.ToString()).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
        Assert.Equal(["job.start", "job.interrupt", "job.resume", "job.start", "job.succeed"], actions);
    }

    [Fact]
    public async Task A_job_left_running_by_a_dead_process_is_interrupted_at_start_and_queued_jobs_run()
    {
        await using (var first = ProbePortal.Restart(_storage)) await first.AdminClient();
        // What a killed process leaves behind, written while no server runs: a job still Running, held by a
        // runner that no longer exists, and a queued job it never got to.
        var gate = Guid.NewGuid().ToString("N");
        var orphan = new JobRecord { Kind = ProbeJobHandler.ProbeKind, Payload = "{\"gate\":\"never\"}", CreatedBy = "admin" };
        JobLifecycle.Move(orphan, JobState.Running, DateTimeOffset.UtcNow, runner: "dead-node/4242");
        var queued = new JobRecord { Kind = ProbeJobHandler.ProbeKind, Payload = $"{{\"gate\":\"{gate}\",\"wait\":false}}", CreatedBy = "admin" };
        await using (var db = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_storage.DataDirectory, "portal.db")}").Options))
        {
            db.Jobs.AddRange(orphan, queued);
            await db.SaveChangesAsync();
        }

        await using var after = ProbePortal.Restart(_storage);
        var admin = await after.AdminClient();
        var interrupted = await admin.GetJson<JobView>($"/api/v1/jobs/{orphan.Id}");
        Assert.Equal(JobState.Interrupted, interrupted.State);
        Assert.Contains("The server stopped while the job ran (held by dead-node/4242)", interrupted.Error);
        Assert.NotNull(interrupted.FinishedAt);
        await admin.WaitForJob(queued.Id, JobState.Succeeded);
        Assert.Equal(JobState.Interrupted, (await admin.GetJson<JobView>($"/api/v1/jobs/{orphan.Id}")).State);
        var audit = await after.InDatabase(db => db.AuditEvents.SingleAsync(e => e.SubjectId == orphan.Id.ToString()));
        Assert.Equal(("system", "job.interrupt"), (audit.Actor, audit.Action));
    }

    [Fact]
    public async Task Cancelling_an_interrupted_job_ends_it_for_good()
    {
        Guid id;
        await using (var before = ProbePortal.Restart(_storage))
        {
            await before.AdminClient();
            var gate = Guid.NewGuid().ToString("N");
            id = await before.Enqueue(new ProbeJobHandler.Payload(gate), PortalFactory.AdminUserName);
            await before.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await using var after = ProbePortal.Restart(_storage);
        var admin = await after.AdminClient();
        var cancelled = await (await admin.PostAsync($"/api/v1/jobs/{id}/cancel", null)).ReadJson<JobView>(HttpStatusCode.OK);

        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.Equal([id], after.Probe.Released);
        await (await admin.PostAsync($"/api/v1/jobs/{id}/resume", null)).AssertProblem(HttpStatusCode.Conflict, "is Cancelled");
    }
}
