using Microsoft.EntityFrameworkCore;
using Portal.Server.Audit;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving.Alerts;

/// <summary>The requests and database reads the alert tests share.</summary>
internal static class AlertCalls
{
    public const string RulesUrl = "/api/v1/alert-rules";
    public const string AlertsUrl = "/api/v1/alerts";

    public static object P95Rule(string? model = null, string? alias = null, int windowSeconds = 60, double threshold = 20) => new
    {
        name = "p95 over 20 ms for a minute",
        metric = "p95_ms",
        comparison = ">",
        threshold,
        windowSeconds,
        model,
        alias,
    };

    public static Task<List<AuditEvent>> AuditOf(PortalFactory portal, Guid subjectId) => portal.InDatabase(db =>
        db.AuditEvents.AsNoTracking().Where(e => e.SubjectId == subjectId.ToString()).OrderBy(e => e.Sequence).ToListAsync());
}
