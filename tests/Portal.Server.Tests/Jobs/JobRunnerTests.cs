using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>The runner and the jobs API on one portal; every test opens the gates it made, so the lane is free for the next.</summary>
public sealed class JobRunnerTests(ProbePortal portal) : IClassFixture<ProbePortal>
{
    private static ProbeJobHandler.Payload Blocking(out string gate)
    {
        gate = Guid.NewGuid().ToString("N");
        return new ProbeJobHandler.Payload(gate);
    }

    [Fact]
    public async Task A_queued_job_is_claimed_runs_and_succeeds_with_its_times_and_runner_recorded()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(Blocking(out var gate), user.UserName);
        await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var running = await user.Client.WaitForJob(id, JobState.Running);

        portal.Probe.For(gate).Open();
        var done = await user.Client.WaitForJob(id, JobState.Succeeded);

        Assert.Equal((1, 1.0, (string?)null), (done.Attempts, done.Progress, done.Error));
        Assert.NotNull(running.ClaimedBy);
        Assert.Equal(running.ClaimedBy, done.ClaimedBy);
        Assert.True(done.CreatedAt <= done.StartedAt && done.StartedAt <= done.FinishedAt);
        var actions = await portal.InDatabase(db => db.AuditEvents.Where(e => e.SubjectId == id.ToString()).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
        Assert.Equal(["job.start", "job.succeed"], actions);
    }

    [Fact]
    public async Task A_job_that_throws_fails_with_the_exception_message_as_its_reason()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var gate = Guid.NewGuid().ToString("N");
        var id = await portal.Enqueue(new ProbeJobHandler.Payload(gate, Wait: false, FailWith: "diverged at epoch 2 step 130"), user.UserName);

        var failed = await user.Client.WaitForJob(id, JobState.Failed);

        Assert.Equal("diverged at epoch 2 step 130", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        await portal.Probe.WaitReleased(id);
    }

    [Fact]
    public async Task A_job_of_a_kind_no_handler_runs_fails_naming_the_kind()
    {
        Guid id;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Portal.Server.Persistence.PortalDbContext>();
            id = scope.ServiceProvider.GetRequiredService<JobQueue>().Enqueue(db, "mystery", new { }, "system").Id;
            await db.SaveChangesAsync();
        }

        var failed = await (await portal.AdminClient()).WaitForJob(id, JobState.Failed);

        Assert.Contains("kind 'mystery'", failed.Error);
    }

    [Fact]
    public async Task Progress_a_job_reports_is_stored_and_published_on_its_topic()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var gate = Guid.NewGuid().ToString("N");
        var (id, topics) = await EnqueueObserved(new ProbeJobHandler.Payload(gate, Progress: 0.25), user.UserName, JobTopics.Job);
        using var events = topics[0];
        try
        {
            await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var progress = await ReadUntil(events, e => e.Type == "progress");

            Assert.Equal(new JobProgressEvent(id, 0.25), progress.Data);
            Assert.Equal(0.25, (await user.Client.GetJson<JobView>($"/api/v1/jobs/{id}")).Progress);
        }
        finally
        {
            portal.Probe.For(gate).Open();
        }
        var status = await ReadUntil(events, e => e.Data is JobStatusEvent { State: JobState.Succeeded });
        Assert.Equal(1.0, ((JobStatusEvent)status.Data).Progress);
    }

    [Fact]
    public async Task Status_changes_are_published_on_the_job_topic_and_the_handler_topic()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var gate = Guid.NewGuid().ToString("N");
        var (id, topics) = await EnqueueObserved(new ProbeJobHandler.Payload(gate), user.UserName, JobTopics.Job, job => $"probe:{job}");

        await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        portal.Probe.For(gate).Open();
        await user.Client.WaitForJob(id, JobState.Succeeded);

        foreach (var subscription in topics)
        {
            using var _ = subscription;
            // Published just after each state is saved: read until the last one arrives.
            var states = new List<JobState>();
            while (states.LastOrDefault() != JobState.Succeeded)
                states.Add(((JobStatusEvent)(await ReadUntil(subscription, e => e.Type == "status")).Data).State);
            Assert.Equal([JobState.Running, JobState.Succeeded], states);
        }
    }

    [Fact]
    public async Task With_concurrency_one_a_second_job_waits_and_cancelling_it_while_queued_takes_effect_at_once()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var first = await portal.Enqueue(Blocking(out var firstGate), user.UserName);
        await portal.Probe.For(firstGate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = await portal.Enqueue(Blocking(out var secondGate), user.UserName);
        try
        {
            await Task.Delay(300);
            Assert.Equal(JobState.Queued, (await user.Client.GetJson<JobView>($"/api/v1/jobs/{second}")).State);

            var cancelled = await (await user.Client.PostAsync($"/api/v1/jobs/{second}/cancel", null)).ReadJson<JobView>();

            Assert.Equal(JobState.Cancelled, cancelled.State);
            Assert.Equal($"Cancelled by {user.UserName}.", cancelled.Error);
            Assert.Equal(0, cancelled.Attempts);
            Assert.Contains(second, portal.Probe.Released);
        }
        finally
        {
            portal.Probe.For(firstGate).Open();
        }
        await user.Client.WaitForJob(first, JobState.Succeeded);
        Assert.False(portal.Probe.For(secondGate).Started.Task.IsCompleted);
    }

    [Fact]
    public async Task Cancelling_a_running_job_signals_it_and_it_ends_cancelled()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(Blocking(out var gate), user.UserName);
        await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await user.Client.WaitForJob(id, JobState.Running);

        var response = await user.Client.PostAsync($"/api/v1/jobs/{id}/cancel", null);

        Assert.Equal(JobState.Running, (await response.ReadJson<JobView>(HttpStatusCode.Accepted)).State);
        var cancelled = await user.Client.WaitForJob(id, JobState.Cancelled, TimeSpan.FromSeconds(10));
        Assert.Equal($"Cancelled by {user.UserName}.", cancelled.Error);
        await portal.Probe.WaitReleased(id);
        var audit = await portal.InDatabase(db => db.AuditEvents.SingleAsync(e => e.SubjectId == id.ToString() && e.Action == "job.cancel"));
        Assert.Equal(user.UserName, audit.Actor);
    }

    [Fact]
    public async Task Only_the_creator_or_an_admin_may_cancel_a_job_and_a_viewer_may_only_read()
    {
        var owner = await portal.CreateUser(PortalRoles.Contributor);
        var colleague = await portal.CreateClientAs(PortalRoles.Approver);
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        var id = await portal.Enqueue(Blocking(out var gate), owner.UserName);
        try
        {
            await portal.Probe.For(gate).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

            await (await colleague.PostAsync($"/api/v1/jobs/{id}/cancel", null)).AssertProblem(HttpStatusCode.Forbidden, $"created by {owner.UserName}");
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/jobs/{id}/cancel", null)).StatusCode);
            Assert.Equal(JobState.Running, (await viewer.GetJson<JobView>($"/api/v1/jobs/{id}")).State);

            await (await (await portal.AdminClient()).PostAsync($"/api/v1/jobs/{id}/cancel", null)).AssertStatus(HttpStatusCode.Accepted);
            await viewer.WaitForJob(id, JobState.Cancelled);
        }
        finally
        {
            portal.Probe.For(gate).Open();
        }
    }

    [Fact]
    public async Task A_finished_job_can_be_neither_cancelled_nor_resumed_and_an_unknown_one_is_not_found()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var id = await portal.Enqueue(new ProbeJobHandler.Payload(Guid.NewGuid().ToString("N"), Wait: false), user.UserName);
        await user.Client.WaitForJob(id, JobState.Succeeded);

        await (await user.Client.PostAsync($"/api/v1/jobs/{id}/cancel", null)).AssertProblem(HttpStatusCode.Conflict, "already Succeeded");
        await (await user.Client.PostAsync($"/api/v1/jobs/{id}/resume", null)).AssertProblem(HttpStatusCode.Conflict, "only an interrupted job can be resumed");
        await (await user.Client.PostAsync($"/api/v1/jobs/{Guid.NewGuid()}/cancel", null)).AssertProblem(HttpStatusCode.NotFound);
        await (await user.Client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Listing_filters_by_state_and_kind_newest_first_and_refuses_an_unknown_state()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var failed = await portal.Enqueue(new ProbeJobHandler.Payload(Guid.NewGuid().ToString("N"), Wait: false, FailWith: "no"), user.UserName);
        await user.Client.WaitForJob(failed, JobState.Failed);
        var succeeded = await portal.Enqueue(new ProbeJobHandler.Payload(Guid.NewGuid().ToString("N"), Wait: false), user.UserName);
        await user.Client.WaitForJob(succeeded, JobState.Succeeded);

        var failures = await user.Client.GetJson<Page<JobView>>("/api/v1/jobs?state=failed&kind=probe&limit=500");
        var probes = await user.Client.GetJson<Page<JobView>>("/api/v1/jobs?kind=probe&limit=1");

        Assert.All(failures.Items, j => Assert.Equal((JobState.Failed, "probe"), (j.State, j.Kind)));
        Assert.Contains(failures.Items, j => j.Id == failed);
        Assert.DoesNotContain(failures.Items, j => j.Id == succeeded);
        Assert.Equal(succeeded, Assert.Single(probes.Items).Id);
        Assert.True(probes.Total >= 2);
        await (await user.Client.GetAsync("/api/v1/jobs?state=sleeping")).AssertProblem(HttpStatusCode.BadRequest, "'sleeping' is not a job state");
    }

    /// <summary>
    /// Queues a job while another holds the lane, subscribes to its topics, then frees the lane, so the
    /// subscriptions see everything the job publishes from its claim on.
    /// </summary>
    private async Task<(Guid Id, LiveSubscription[] Topics)> EnqueueObserved(ProbeJobHandler.Payload payload, string createdBy, params Func<Guid, string>[] topics)
    {
        await portal.Enqueue(Blocking(out var holder), createdBy);
        await portal.Probe.For(holder).Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var id = await portal.Enqueue(payload, createdBy);
        var bus = portal.Services.GetRequiredService<LiveBus>();
        var subscriptions = topics.Select(topic => bus.Subscribe(topic(id))).ToArray();
        portal.Probe.For(holder).Open();
        return (id, subscriptions);
    }

    private static async Task<LiveEvent> ReadUntil(LiveSubscription subscription, Func<LiveEvent, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var e = await subscription.ReadAsync(timeout.Token);
            if (match(e)) return e;
        }
    }
}
