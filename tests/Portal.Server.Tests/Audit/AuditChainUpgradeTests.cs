using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Audit;

/// <summary>The audit key on disk, restarts, and a database written before the chain was keyed.</summary>
public sealed class AuditChainUpgradeTests
{
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    [Fact]
    public async Task The_audit_key_is_made_on_first_start_in_the_keys_folder_private_to_the_account_and_kept_across_restarts()
    {
        using var storage = TestStorage.Sqlite();
        var path = Path.Combine(storage.DataDirectory, "keys", AuditChainKey.FileName);
        string first;
        await using (var portal = PortalFactory.On(storage))
        {
            await portal.CreateUser(PortalRoles.Viewer);
            first = await File.ReadAllTextAsync(path);
            Assert.Equal(32, Convert.FromBase64String(first.Trim()).Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        await using (var again = PortalFactory.On(storage))
        {
            await again.CreateUser(PortalRoles.Viewer);
            Assert.Equal(first, await File.ReadAllTextAsync(path));
            var report = await Verify(again);
            Assert.True(report.Valid, report.Problem);
        }
    }

    [Fact]
    public async Task A_database_with_plain_hashes_is_sealed_by_a_keyed_event_at_start_and_verifies()
    {
        using var storage = TestStorage.Sqlite();
        var plainEvents = await OldPortalDatabase(storage);

        await using var upgraded = PortalFactory.On(storage);
        await upgraded.CreateUser(PortalRoles.Viewer);
        var anchors = (await (await upgraded.AdminClient()).GetJson<Page<AuditEventView>>($"/api/v1/audit?action={AuditChainAnchor.Action}")).Items;
        var anchor = Assert.Single(anchors);
        Assert.Equal(plainEvents + 1, anchor.Sequence);
        Assert.Equal(plainEvents, JsonDocument.Parse(anchor.Details!).RootElement.GetProperty("plainEvents").GetInt64());

        var report = await Verify(upgraded);
        Assert.True(report.Valid, report.Problem);
        Assert.True(report.EventsChecked > plainEvents + 1);
    }

    [Fact]
    public async Task Replacing_the_keyed_part_of_an_upgraded_chain_by_plain_hashes_is_reported_without_any_checkpoint()
    {
        using var storage = TestStorage.Sqlite();
        var plainEvents = await OldPortalDatabase(storage);
        await using var upgraded = PortalFactory.On(storage);
        await upgraded.CreateUser(PortalRoles.Viewer);

        // Keep the plain part, which anyone can extend, drop the rest and the checkpoints.
        await upgraded.InDatabase(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" > {plainEvents}"));
        File.Delete(upgraded.Services.GetRequiredService<AuditCheckpointLog>().FilePath);

        var report = await Verify(upgraded);
        Assert.False(report.Valid);
        Assert.Contains($"events 1–{plainEvents} hold only plain SHA-256 hashes", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Altering_an_event_of_the_plain_part_is_reported_at_the_keyed_event_that_sealed_it()
    {
        using var storage = TestStorage.Sqlite();
        var plainEvents = await OldPortalDatabase(storage);
        await using var upgraded = PortalFactory.On(storage);
        await upgraded.CreateUser(PortalRoles.Viewer);

        await upgraded.InDatabase(async db => await RehashPlain(db, from: 2, alter: e => e.Actor = "someone-else", until: plainEvents));

        var report = await Verify(upgraded);
        Assert.False(report.Valid);
        Assert.Equal(plainEvents + 1, report.FirstBrokenSequence);
        Assert.Contains($"event {plainEvents + 1} does not link to event {plainEvents}", report.Problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// A data folder as a portal before the keyed chain left it: a chain of plain SHA-256 hashes, no audit key and no
    /// checkpoints. Returns the number of events.
    /// </summary>
    private static async Task<long> OldPortalDatabase(TestStorage storage)
    {
        long events;
        await using (var old = PortalFactory.On(storage))
        {
            for (var i = 0; i < 2; i++) await old.CreateUser(PortalRoles.Viewer);
            events = await old.InDatabase(db => RehashPlain(db, from: 1, alter: _ => { }, until: long.MaxValue));
        }
        File.Delete(Path.Combine(storage.DataDirectory, "keys", AuditChainKey.FileName));
        if (Directory.Exists(Path.Combine(storage.DataDirectory, "audit"))) Directory.Delete(Path.Combine(storage.DataDirectory, "audit"), recursive: true);
        return events;
    }

    /// <summary>Alters event <paramref name="from"/> and hashes it and the events after it, up to <paramref name="until"/>, with plain SHA-256; returns the last one's sequence.</summary>
    private static async Task<long> RehashPlain(Portal.Server.Persistence.PortalDbContext db, long from, Action<AuditEvent> alter, long until)
    {
        var events = await db.AuditEvents.Where(e => e.Sequence >= from && e.Sequence <= until).OrderBy(e => e.Sequence).ToListAsync();
        alter(events[0]);
        var previous = events[0].PreviousHash;
        foreach (var e in events)
        {
            e.PreviousHash = previous;
            e.Hash = AuditHash.Plain(e);
            previous = e.Hash;
        }
        await db.SaveChangesAsync();
        return events[^1].Sequence;
    }

    private static async Task<AuditChainReport> Verify(PortalFactory portal) =>
        await (await portal.AdminClient()).GetJson<AuditChainReport>("/api/v1/audit/verify");
}
