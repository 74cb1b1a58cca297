using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Persistence;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Audit;

/// <summary>Filters and paging of /api/v1/audit, over a portal whose trail holds known events a minute apart.</summary>
public sealed class AuditQueryTests : IClassFixture<AuditQueryTests.SeededPortal>
{
    private readonly SeededPortal _portal;

    public AuditQueryTests(SeededPortal portal) => _portal = portal;

    public sealed class SeededPortal : PortalFactory
    {
        public static readonly (string Actor, string Action, string SubjectType, string SubjectId)[] Seeded =
        [
            ("alice", "dataset.import", "dataset", "d1"),
            ("bob", "dataset.delete", "dataset", "d2"),
            ("alice", "model.create", "model", "m1"),
            ("carol", "alias.move", "model", "m1"),
            ("bob", "alias.rollback", "model", "m2"),
            ("alice", "datasetx.other", "datasetx", "d1"),
        ];

        private List<AuditEventView>? _all;

        /// <summary>Every event in the trail, newest first, read once.</summary>
        public async Task<List<AuditEventView>> All()
        {
            if (_all is not null) return _all;
            for (var round = 0; round < 5; round++)
            {
                foreach (var (actor, action, type, id) in Seeded)
                {
                    Clock.Advance(TimeSpan.FromMinutes(1));
                    await using var scope = Services.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<AuditLog>().Record(actor, action, type, id, new { round }, CancellationToken.None);
                }
            }
            _all = [.. (await (await AdminClient()).GetJson<Page<AuditEventView>>("/api/v1/audit?limit=500")).Items];
            return _all;
        }
    }

    [Theory]
    [InlineData("actor=alice")]
    [InlineData("action=dataset.")]
    [InlineData("action=alias")]
    [InlineData("subjectType=model")]
    [InlineData("subjectType=model&subjectId=m1")]
    [InlineData("actor=bob&action=alias.")]
    [InlineData("subjectId=d1")]
    public async Task A_filter_returns_exactly_the_matching_events_newest_first(string query)
    {
        var all = await _portal.All();
        var expected = all.Where(Matches(query)).Select(e => e.Sequence).ToList();
        Assert.NotEmpty(expected);
        Assert.NotEqual(all.Count, expected.Count);

        var page = await (await _portal.AdminClient()).GetJson<Page<AuditEventView>>($"/api/v1/audit?{query}&limit=500");
        Assert.Equal(expected, page.Items.Select(e => e.Sequence));
        Assert.Equal(expected.Count, page.Total);
    }

    [Fact]
    public async Task From_is_inclusive_and_to_is_exclusive()
    {
        var all = await _portal.All();
        var seeded = all.Where(e => e.Actor is "alice" or "bob" or "carol").OrderBy(e => e.Time).ToList();
        var from = seeded[3].Time;
        var to = seeded[10].Time;
        var page = await (await _portal.AdminClient()).GetJson<Page<AuditEventView>>(
            $"/api/v1/audit?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}&limit=500");
        Assert.Equal(seeded[3..10].Select(e => e.Sequence).Reverse(), page.Items.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Times_read_back_exactly_as_written()
    {
        var all = await _portal.All();
        var stored = await _portal.InDatabase(db => Task.FromResult(db.AuditEvents.ToDictionary(e => e.Sequence, e => e.Time)));
        Assert.All(all, e => Assert.Equal(stored[e.Sequence].UtcTicks, e.Time.UtcTicks));
        Assert.All(all, e => Assert.Equal(0, e.Time.UtcTicks % 10));
    }

    [Fact]
    public async Task Paging_returns_the_requested_window_and_the_total()
    {
        var all = await _portal.All();
        var admin = await _portal.AdminClient();
        var page = await admin.GetJson<Page<AuditEventView>>("/api/v1/audit?offset=5&limit=10");
        Assert.Equal(5, page.Offset);
        Assert.Equal(10, page.Limit);
        Assert.Equal(all.Count, page.Total);
        Assert.Equal(all.Skip(5).Take(10).Select(e => e.Sequence), page.Items.Select(e => e.Sequence));

        var last = await admin.GetJson<Page<AuditEventView>>($"/api/v1/audit?offset={all.Count - 3}&limit=10");
        Assert.Equal(all.TakeLast(3).Select(e => e.Sequence), last.Items.Select(e => e.Sequence));

        var beyond = await admin.GetJson<Page<AuditEventView>>($"/api/v1/audit?offset={all.Count + 5}");
        Assert.Empty(beyond.Items);
        Assert.Equal(all.Count, beyond.Total);
    }

    [Theory]
    [InlineData("", 0, PageRequest.DefaultLimit)]
    [InlineData("?limit=100000", 0, PageRequest.MaxLimit)]
    [InlineData("?limit=0", 0, 1)]
    [InlineData("?offset=-4&limit=2", 0, 2)]
    public async Task Paging_defaults_and_bounds(string query, int offset, int limit)
    {
        var all = await _portal.All();
        var page = await (await _portal.AdminClient()).GetJson<Page<AuditEventView>>($"/api/v1/audit{query}");
        Assert.Equal(offset, page.Offset);
        Assert.Equal(limit, page.Limit);
        Assert.Equal(Math.Min(limit, all.Count), page.Items.Count);
    }

    private static Func<AuditEventView, bool> Matches(string query)
    {
        var conditions = query.Split('&').Select(p => p.Split('=')).Select(p => (Key: p[0], Value: p[1])).ToList();
        return e => conditions.All(c => c.Key switch
        {
            "actor" => e.Actor == c.Value,
            "action" => e.Action.StartsWith(c.Value, StringComparison.Ordinal),
            "subjectType" => e.SubjectType == c.Value,
            "subjectId" => e.SubjectId == c.Value,
            _ => throw new ArgumentException($"No filter {c.Key}"),
        });
    }
}
