using Portal.Contracts.Alerts;

namespace Portal.Server.Serving.Alerts;

/// <summary>Rules and alerts as the API and the live feed show them (the records are Portal.Contracts').</summary>
public static class AlertViews
{
    public static AlertRuleView View(AlertRule r) => new(
        r.Id, r.Name, r.Metric, r.Comparison, r.Threshold, r.WindowSeconds, r.Model, r.Alias, r.Enabled, r.Revision, r.CreatedBy, r.CreatedAt, r.UpdatedBy, r.UpdatedAt);

    public static AlertView View(Alert a) => new(
        a.Id, a.ResolvedAt is null ? AlertView.Firing : AlertView.Resolved, a.RuleId, a.RuleName, a.Metric, a.Comparison, a.Threshold, a.WindowSeconds,
        a.Model, a.Alias, a.VersionId, a.VersionNumber, a.Value, a.ConditionSince, a.FiredAt, a.ResolvedAt, a.ResolvedValue, a.ResolvedReason);
}
