using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Alerts;
using Portal.Server.Api;
using Portal.Server.Persistence;

namespace Portal.Server.Serving.Alerts;

/// <summary>Reads the alerts the evaluator raised: the firing ones by default, newest first.</summary>
public sealed class RaisedAlerts(PortalDbContext db)
{
    public const string All = "all";

    public Task<Page<AlertView>> List(string? state, string? model, string? alias, PageRequest page, CancellationToken ct)
    {
        var alerts = db.Set<Alert>().AsNoTracking();
        alerts = (state ?? AlertView.Firing).ToLowerInvariant() switch
        {
            AlertView.Firing => alerts.Where(a => a.ResolvedAt == null),
            AlertView.Resolved => alerts.Where(a => a.ResolvedAt != null),
            All => alerts,
            _ => throw Refusal.Invalid($"state '{state}' is not known; use {AlertView.Firing}, {AlertView.Resolved} or {All}."),
        };
        if (model is not null) alerts = alerts.Where(a => a.Model == model);
        if (alias is not null) alerts = alerts.Where(a => a.Alias == alias);
        return page.Apply(alerts.OrderByDescending(a => a.FiredAt).ThenBy(a => a.Id), AlertViews.View, ct);
    }

    public async Task<AlertView> Get(Guid id, CancellationToken ct) =>
        AlertViews.View(await db.Set<Alert>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw Refusal.NotFound($"No alert {id}."));
}
