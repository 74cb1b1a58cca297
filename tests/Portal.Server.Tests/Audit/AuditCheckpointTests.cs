using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Audit;

/// <summary>The checkpoint file outside the database, and verification against it. Each test tampers, so each has its own portal.</summary>
public sealed class AuditCheckpointTests
{
    [Fact]
    public async Task Deleting_the_last_events_is_reported_against_the_checkpoint()
    {
        await using var portal = await CheckpointedPortal(users: 4);
        var head = await Head(portal);
        await portal.InDatabase(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" > {head - 3}"));

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Equal(head - 2, report.FirstBrokenSequence);
        Assert.Equal(head - 3, report.EventsChecked);
        Assert.Contains($"events {head - 2}–{head} are missing", report.Problem, StringComparison.Ordinal);
        Assert.Equal(head, report.Checkpoint?.Sequence);
    }

    [Fact]
    public async Task Deleting_the_last_events_stays_reported_after_new_events_pass_the_checkpoint()
    {
        await using var portal = await CheckpointedPortal(users: 2);
        var head = await Head(portal);
        await portal.InDatabase(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" > {head - 2}"));
        for (var i = 0; i < 3; i++) await portal.CreateUser(PortalRoles.Viewer);
        Assert.True(await Head(portal) > head);

        Assert.Null(await portal.Services.GetRequiredService<AuditCheckpointWriter>().CheckpointNow(CancellationToken.None));
        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Equal(head, report.FirstBrokenSequence);
        Assert.Contains($"event {head} is not the one checkpointed", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_forged_to_match_a_shortened_chain_is_reported()
    {
        await using var portal = await CheckpointedPortal(users: 3);
        var head = await Head(portal);
        var kept = head - 2;
        var keptHash = await portal.InDatabase(db => db.AuditEvents.Where(e => e.Sequence == kept).Select(e => e.Hash).SingleAsync());
        await portal.InDatabase(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" > {kept}"));
        var file = CheckpointFile(portal);
        var lines = await File.ReadAllLinesAsync(file);
        var forged = JsonNode.Parse(lines[^1])!;
        forged["sequence"] = kept;
        forged["head"] = keptHash;
        lines[^1] = forged.ToJsonString();
        await File.WriteAllLinesAsync(file, lines);

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Null(report.FirstBrokenSequence);
        Assert.Contains($"checkpoint {lines.Length} (event {kept}) is forged", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_removed_from_the_middle_of_the_file_is_reported()
    {
        await using var portal = await CheckpointedPortal(users: 1);
        for (var i = 0; i < 2; i++)
        {
            await portal.CreateUser(PortalRoles.Viewer);
            await Checkpoint(portal);
        }
        var file = CheckpointFile(portal);
        var lines = (await File.ReadAllLinesAsync(file)).ToList();
        Assert.True(lines.Count >= 3, $"{lines.Count} checkpoints");
        lines.RemoveAt(1);
        await File.WriteAllLinesAsync(file, lines);

        var report = await Verify(portal);
        Assert.False(report.Valid);
        Assert.Contains("checkpoint 2 does not follow checkpoint 1", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untouched_chain_verifies_against_its_latest_checkpoint()
    {
        await using var portal = await CheckpointedPortal(users: 2);
        var head = await Head(portal);
        await portal.CreateUser(PortalRoles.Viewer);

        var report = await Verify(portal);
        Assert.True(report.Valid, report.Problem);
        Assert.Equal(head, report.Checkpoint?.Sequence);
        Assert.True(report.EventsChecked > head);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    [Fact]
    public async Task Viewers_read_the_checkpoints_newest_first_as_the_file_holds_them_one_json_line_each()
    {
        await using var portal = await CheckpointedPortal(users: 1);
        await portal.CreateUser(PortalRoles.Viewer);
        await Checkpoint(portal);
        var last = await portal.Services.GetRequiredService<AuditCheckpointLog>().Latest(CancellationToken.None);
        Assert.Equal(await Head(portal), last?.Sequence);
        Assert.Null(await Checkpoint(portal));

        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        var page = await viewer.GetJson<Page<AuditCheckpoint>>("/api/v1/audit/checkpoints?limit=500");
        var lines = await File.ReadAllLinesAsync(CheckpointFile(portal));
        Assert.Equal(lines.Length, page.Total);
        Assert.Equal(lines.Reverse().Select(l => JsonSerializer.Deserialize<AuditCheckpoint>(l, HttpJson.Options)), page.Items);
        Assert.Equal(last, page.Items[0]);
        Assert.Equal(AuditHash.Genesis, page.Items[^1].Previous);
        Assert.All(page.Items.Zip(page.Items.Skip(1)), pair => Assert.Equal(pair.Second.Mac, pair.First.Previous));
        Assert.All(page.Items.Zip(page.Items.Skip(1)), pair => Assert.True(pair.First.Sequence > pair.Second.Sequence));
        var key = portal.Services.GetRequiredService<AuditChainKey>();
        Assert.All(page.Items, c => Assert.True(c.IsAuthentic(key)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CheckpointFile(portal)));
    }

    /// <summary>A portal with a few users' events, checkpointed at its head (by this call or, at start, by the portal).</summary>
    private static async Task<PortalFactory> CheckpointedPortal(int users)
    {
        var portal = new PortalFactory();
        for (var i = 0; i < users; i++) await portal.CreateUser(PortalRoles.Viewer);
        await Checkpoint(portal);
        var latest = await portal.Services.GetRequiredService<AuditCheckpointLog>().Latest(CancellationToken.None);
        Assert.Equal(await Head(portal), latest?.Sequence);
        return portal;
    }

    private static Task<AuditCheckpoint?> Checkpoint(PortalFactory portal) =>
        portal.Services.GetRequiredService<AuditCheckpointWriter>().CheckpointNow(CancellationToken.None);

    private static Task<long> Head(PortalFactory portal) => portal.InDatabase(db => db.AuditEvents.MaxAsync(e => e.Sequence));

    private static string CheckpointFile(PortalFactory portal) => portal.Services.GetRequiredService<AuditCheckpointLog>().FilePath;

    private static async Task<AuditChainReport> Verify(PortalFactory portal) =>
        await (await portal.AdminClient()).GetJson<AuditChainReport>("/api/v1/audit/verify");
}
