using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Datasets;
using Portal.Server.Persistence;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Audit;

/// <summary>Each test edits the trail behind the portal's back, so each runs on a portal of its own.</summary>
public sealed class AuditTamperingTests
{
    [Fact]
    public async Task Changing_one_events_details_is_reported_at_that_event()
    {
        await using var portal = await PortalWithEvents(6);
        var target = await MiddleSequence(portal);
        await portal.InDatabase(db => db.Database.ExecuteSqlAsync($"UPDATE \"AuditEvents\" SET \"Details\" = '{{\"forged\":true}}' WHERE \"Sequence\" = {target}"));

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Equal(target, report.FirstBrokenSequence);
        Assert.Equal(target - 1, report.EventsChecked);
        Assert.Contains($"event {target} was altered", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rewriting_a_middle_event_and_recomputing_every_later_hash_is_reported_at_that_event()
    {
        await using var portal = await PortalWithEvents(6);
        var target = await MiddleSequence(portal);
        // What someone with the database but not the audit key can do: alter an event, then hash it and every later
        // event again with SHA-256 so that each links to the one before.
        await portal.InDatabase(async db =>
        {
            var rewritten = await db.AuditEvents.Where(a => a.Sequence >= target).OrderBy(a => a.Sequence).ToListAsync();
            rewritten[0].Actor = "someone-else";
            var previous = rewritten[0].PreviousHash;
            foreach (var e in rewritten)
            {
                e.PreviousHash = previous;
                e.Hash = AuditHash.Plain(e);
                previous = e.Hash;
            }
            await db.SaveChangesAsync();
        });

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Equal(target, report.FirstBrokenSequence);
        Assert.Contains($"event {target} was altered", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rehashing_an_altered_event_with_the_key_breaks_the_link_of_the_next_one()
    {
        await using var portal = await PortalWithEvents(6);
        var target = await MiddleSequence(portal);
        var key = portal.Services.GetRequiredService<AuditChainKey>();
        await portal.InDatabase(async db =>
        {
            var e = await db.AuditEvents.SingleAsync(a => a.Sequence == target);
            e.Actor = "someone-else";
            e.Hash = AuditHash.Keyed(e, key);
            await db.SaveChangesAsync();
        });

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Equal(target + 1, report.FirstBrokenSequence);
        Assert.Contains($"event {target + 1} does not link to event {target}", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_middle_event_is_reported_as_the_gap()
    {
        await using var portal = await PortalWithEvents(6);
        var target = await MiddleSequence(portal);
        await portal.InDatabase(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = {target}"));

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Equal(target, report.FirstBrokenSequence);
        Assert.Contains($"event {target} is missing (the next is {target + 1})", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_appended_in_one_save_get_consecutive_numbers_and_verify()
    {
        await using var portal = new PortalFactory();
        var before = await portal.InDatabase(db => db.AuditEvents.MaxAsync(e => e.Sequence));
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
            for (var i = 0; i < 3; i++) audit.Append("tests", "test.batch", "thing", $"t{i}", new { i });
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().SaveChangesAsync();
        }

        var batch = await portal.InDatabase(db => db.AuditEvents.AsNoTracking().Where(e => e.Action == "test.batch").OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal([before + 1, before + 2, before + 3], batch.Select(e => e.Sequence));
        Assert.Equal(["t0", "t1", "t2"], batch.Select(e => e.SubjectId));
        Assert.True((await Verify(portal)).Valid);
    }

    [Fact]
    public async Task A_failed_save_writes_no_event_and_the_next_save_continues_the_chain()
    {
        await using var portal = new PortalFactory();
        var before = await portal.InDatabase(db => db.AuditEvents.MaxAsync(e => e.Sequence));
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
            foreach (var copy in new[] { 1, 2 })
                db.Datasets.Add(new DatasetRecord { Name = "twice", SampleShape = [1], ClassNames = [], CreatedBy = "tests" });
            audit.Append("tests", "dataset.import", "dataset", "twice");
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await scope.ServiceProvider.GetRequiredService<AuditLog>().Record("tests", "test.after-failure", "thing", "x", null, timeout.Token);
        }

        var events = await portal.InDatabase(db => db.AuditEvents.AsNoTracking().Where(e => e.Sequence > before).ToListAsync());
        Assert.Equal("test.after-failure", Assert.Single(events).Action);
        Assert.Equal(before + 1, events[0].Sequence);
        Assert.True((await Verify(portal)).Valid);
    }

    private static async Task<PortalFactory> PortalWithEvents(int users)
    {
        var portal = new PortalFactory();
        for (var i = 0; i < users; i++) await portal.CreateUser(PortalRoles.Viewer);
        Assert.True((await Verify(portal)).Valid);
        return portal;
    }

    private static Task<long> MiddleSequence(PortalFactory portal) => portal.InDatabase(async db => await db.AuditEvents.MaxAsync(e => e.Sequence) / 2);

    private static async Task<AuditChainReport> Verify(PortalFactory portal) =>
        await (await portal.AdminClient()).GetJson<AuditChainReport>("/api/v1/audit/verify");
}
