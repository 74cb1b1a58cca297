using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Jobs;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Training;

namespace Portal.Server.Tests.Jobs;

/// <summary>The queue on a database of its own, with no runner: enqueueing, claiming, and two claimants racing.</summary>
public sealed class JobQueueTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-queue").FullName;
    private readonly AuditChainInterceptor _audit = new(new AuditChainKey(new byte[32]));
    private readonly JobQueue _queue = new(TimeProvider.System, Options.Create(new PortalOptions()));

    public async Task InitializeAsync()
    {
        await using var db = Open();
        await db.Database.MigrateAsync();
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private SqlitePortalDbContext Open() => new(new DbContextOptionsBuilder<SqlitePortalDbContext>()
        .UseSqlite($"Data Source={Path.Combine(_folder, "portal.db")}")
        .AddInterceptors(_audit)
        .Options);

    private async Task<Guid> Enqueue(string kind = "probe")
    {
        await using var db = Open();
        var job = _queue.Enqueue(db, kind, new { gate = "x" }, "ann");
        await db.SaveChangesAsync();
        return job.Id;
    }

    [Fact]
    public async Task An_enqueued_job_is_saved_with_the_record_it_runs_or_not_at_all()
    {
        await using (var db = Open())
        {
            var run = new TrainingRun { Name = "r", SpecJson = "{}", OptionsJson = "{}", CreatedBy = "ann" };
            var job = _queue.Enqueue(db, JobKinds.Training, new TrainingPayload(run.Id), "ann");
            run.JobId = job.Id;
            db.Runs.Add(run);
            await using (var before = Open()) Assert.Equal(0, await before.Jobs.CountAsync());
            await db.SaveChangesAsync();
        }

        await using var check = Open();
        var saved = await check.Jobs.SingleAsync();
        Assert.Equal((JobKinds.Training, JobState.Queued, "ann", 0), (saved.Kind, saved.State, saved.CreatedBy, saved.Attempts));
        Assert.Equal(saved.Id, (await check.Runs.SingleAsync()).JobId);
        Assert.Equal((await check.Runs.SingleAsync()).Id, JobQueue.ReadPayload<TrainingPayload>(saved.Payload).RunId);
    }

    [Fact]
    public async Task Saving_an_enqueued_job_wakes_the_runner()
    {
        await using var db = Open();
        _queue.Enqueue(db, "probe", new { }, "ann");
        var waiting = _queue.WaitForWork(TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        await db.SaveChangesAsync();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Two_runners_that_read_the_same_queued_job_cannot_both_claim_it()
    {
        var id = await Enqueue();
        await using var first = Open();
        await using var second = Open();
        var seenByFirst = (await _queue.Oldest(first, ["probe"], exceptKinds: false, 8, default)).Single();
        var seenBySecond = (await _queue.Oldest(second, ["probe"], exceptKinds: false, 8, default)).Single();

        var firstClaimed = await _queue.TryClaim(first, new AuditLog(first, TimeProvider.System), seenByFirst, "node-a", default);
        var secondClaimed = await _queue.TryClaim(second, new AuditLog(second, TimeProvider.System), seenBySecond, "node-b", default);

        Assert.True(firstClaimed);
        Assert.False(secondClaimed);
        await using var check = Open();
        var job = await check.Jobs.SingleAsync(j => j.Id == id);
        Assert.Equal((JobState.Running, "node-a", 1), (job.State, job.ClaimedBy, job.Attempts));
        Assert.Equal(["job.start"], await check.AuditEvents.Select(e => e.Action).ToListAsync());
    }

    [Fact]
    public async Task A_claim_loses_to_a_cancel_saved_first()
    {
        var id = await Enqueue();
        await using var runner = Open();
        var seen = (await _queue.Oldest(runner, ["probe"], exceptKinds: false, 8, default)).Single();
        await using (var user = Open())
        {
            var job = await user.Jobs.SingleAsync(j => j.Id == id);
            JobLifecycle.Move(job, JobState.Cancelled, DateTimeOffset.UtcNow, "Cancelled by ann.");
            await user.SaveChangesAsync();
        }

        Assert.False(await _queue.TryClaim(runner, new AuditLog(runner, TimeProvider.System), seen, "node-a", default));
        await using var check = Open();
        Assert.Equal(JobState.Cancelled, (await check.Jobs.SingleAsync()).State);
    }

    [Fact]
    public async Task Jobs_are_offered_oldest_first_by_lane()
    {
        var training = await Enqueue(JobKinds.Training);
        var probe = await Enqueue("probe");
        var export = await Enqueue(JobKinds.Export);
        await using var db = Open();

        var trainingLane = await _queue.Oldest(db, [JobKinds.Training], exceptKinds: false, 8, default);
        var otherLane = await _queue.Oldest(db, [JobKinds.Training], exceptKinds: true, 8, default);

        Assert.Equal([training], trainingLane.Select(j => j.Id));
        Assert.Equal([probe, export], otherLane.Select(j => j.Id));
    }
}
