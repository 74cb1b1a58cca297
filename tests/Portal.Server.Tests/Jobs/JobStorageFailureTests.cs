using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>A job whose end storage refuses to record does not stay Running: it can be resumed or cancelled in the same process.</summary>
public sealed class JobStorageFailureTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Recording_an_outcome_is_retried_when_storage_refuses_it_once()
    {
        using var portal = new ProbePortal();
        var alice = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(new ProbeJobHandler.Payload("once"), alice.UserName);
        await portal.Probe.For("once").Started.Task.WaitAsync(s_wait);

        portal.Faults.RefuseNextWrite();
        portal.Probe.For("once").Open();

        var job = await alice.Client.WaitForJob(id, JobState.Succeeded, s_wait);
        Assert.Null(job.Error);
    }

    [Fact]
    public async Task A_job_whose_outcome_a_read_only_database_refuses_is_interrupted_with_that_reason_and_resumes_without_a_restart()
    {
        using var portal = new ProbePortal();
        var alice = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(new ProbeJobHandler.Payload("refused"), alice.UserName);
        await portal.Probe.For("refused").Started.Task.WaitAsync(s_wait);

        portal.Faults.Database = StorageFaults.DatabaseFault.ReadOnly;
        portal.Probe.For("refused").Open();

        var stopped = await alice.Client.WaitForJob(id, JobState.Interrupted, s_wait);
        Assert.Contains("database is read-only", stopped.Error);
        // Still read-only: the resume cannot be saved, and says why.
        await (await alice.Client.PostAsync($"/api/v1/jobs/{id}/resume", null)).AssertProblem(HttpStatusCode.ServiceUnavailable, "database is read-only");

        portal.Faults.Database = StorageFaults.DatabaseFault.None;
        var resumed = await (await alice.Client.PostAsync($"/api/v1/jobs/{id}/resume", null)).ReadJson<JobView>();
        Assert.Equal(JobState.Queued, resumed.State);
        var done = await alice.Client.WaitForJob(id, JobState.Succeeded, s_wait);
        Assert.Equal(2, done.Attempts);
    }

    [Fact]
    public async Task A_job_whose_outcome_storage_refused_can_be_cancelled_without_a_restart()
    {
        using var portal = new ProbePortal();
        var alice = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(new ProbeJobHandler.Payload("cancel-me"), alice.UserName);
        await portal.Probe.For("cancel-me").Started.Task.WaitAsync(s_wait);
        portal.Faults.Database = StorageFaults.DatabaseFault.Full;
        portal.Probe.For("cancel-me").Open();
        var stopped = await alice.Client.WaitForJob(id, JobState.Interrupted, s_wait);
        Assert.Contains("No space is left", stopped.Error);

        portal.Faults.Database = StorageFaults.DatabaseFault.None;
        var cancelled = await (await alice.Client.PostAsync($"/api/v1/jobs/{id}/cancel", null)).ReadJson<JobView>();

        Assert.Equal(JobState.Cancelled, cancelled.State);
        await portal.Probe.WaitReleased(id);
    }

    [Fact]
    public async Task A_job_stopped_by_a_refused_write_is_recorded_interrupted_once_storage_takes_writes_again()
    {
        using var portal = new ProbePortal();
        var alice = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(new ProbeJobHandler.Payload("progress", ProgressAtEnd: 0.5), alice.UserName);
        await portal.Probe.For("progress").Started.Task.WaitAsync(s_wait);

        // Its progress write is refused, so it stops; recording that is refused too.
        portal.Faults.Database = StorageFaults.DatabaseFault.ReadOnly;
        portal.Probe.For("progress").Open();
        var stopped = await alice.Client.WaitForJob(id, JobState.Interrupted, s_wait);
        Assert.Contains("database is read-only", stopped.Error);
        Assert.Equal(JobState.Running, await portal.InDatabase(db => db.Jobs.Where(j => j.Id == id).Select(j => j.State).FirstAsync()));

        portal.Faults.Database = StorageFaults.DatabaseFault.None;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        JobRecord row;
        while ((row = await portal.InDatabase(db => db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id))).State != JobState.Interrupted && clock.Elapsed < s_wait)
            await Task.Delay(50);
        Assert.Equal(JobState.Interrupted, row.State);
        Assert.Contains("database is read-only", row.Error);
        Assert.Empty(portal.Probe.Released);
    }
}
