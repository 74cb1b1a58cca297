using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Alerts;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Serving.Alerts;

/// <summary>
/// Creates, changes and deletes alert rules, each change audited in the same save. Bad terms throw
/// <see cref="Refusal"/> whose message starts with the JSON field at fault (400 through problem details).
/// The evaluator reads the rules every second, so a change applies within a second.
/// </summary>
public sealed class AlertRules(PortalDbContext db, AuditLog audit, TimeProvider clock)
{
    public const int MaxNameLength = 100;
    public const int MaxWindowSeconds = 86_400;

    public Task<Page<AlertRuleView>> List(PageRequest page, CancellationToken ct) =>
        page.Apply(db.Set<AlertRule>().AsNoTracking().OrderBy(r => r.CreatedAt).ThenBy(r => r.Id), AlertViews.View, ct);

    public async Task<AlertRuleView> Get(Guid id, CancellationToken ct) =>
        AlertViews.View(await db.Set<AlertRule>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw NoRule(id));

    public async Task<AlertRuleView> Create(AlertRuleDraft draft, string actor, CancellationToken ct)
    {
        var now = AuditHash.Truncate(clock.GetUtcNow());
        var rule = new AlertRule
        {
            Name = "",
            Metric = "",
            Comparison = "",
            CreatedBy = actor,
            CreatedAt = now,
            UpdatedBy = actor,
            UpdatedAt = now,
        };
        await Apply(rule, draft, ct);
        db.Set<AlertRule>().Add(rule);
        audit.Append(actor, "alert-rule.create", "alert-rule", rule.Id.ToString(), Snapshot(rule));
        await db.SaveChangesAsync(ct);
        return AlertViews.View(rule);
    }

    /// <summary>Replaces the rule's terms (what the draft leaves out returns to its default).</summary>
    public async Task<AlertRuleView> Replace(Guid id, AlertRuleDraft draft, string actor, CancellationToken ct)
    {
        var rule = await db.Set<AlertRule>().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw NoRule(id);
        var before = Snapshot(rule);
        await Apply(rule, draft, ct);
        rule.Revision++;
        rule.UpdatedBy = actor;
        rule.UpdatedAt = AuditHash.Truncate(clock.GetUtcNow());
        audit.Append(actor, "alert-rule.update", "alert-rule", rule.Id.ToString(), new { before, after = Snapshot(rule) });
        await db.SaveChangesAsync(ct);
        return AlertViews.View(rule);
    }

    /// <summary>Deletes the rule (its alerts stay as history; open ones resolve within a second).</summary>
    public async Task Delete(Guid id, string actor, CancellationToken ct)
    {
        var rule = await db.Set<AlertRule>().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw NoRule(id);
        db.Set<AlertRule>().Remove(rule);
        audit.Append(actor, "alert-rule.delete", "alert-rule", rule.Id.ToString(), Snapshot(rule));
        await db.SaveChangesAsync(ct);
    }

    private static Refusal NoRule(Guid id) => Refusal.NotFound($"No alert rule {id}.");

    private async Task Apply(AlertRule rule, AlertRuleDraft draft, CancellationToken ct)
    {
        Validate(draft);
        if (draft.Model is { } model && !await db.Models.AnyAsync(m => m.Name == model, ct))
            throw Refusal.Invalid($"model: no model '{model}' is registered; leave model out to watch every deployment.");
        rule.Name = draft.Name!.Trim();
        rule.Metric = draft.Metric!;
        rule.Comparison = draft.Comparison ?? ">";
        rule.Threshold = draft.Threshold!.Value;
        rule.WindowSeconds = draft.WindowSeconds ?? 0;
        rule.Model = draft.Model;
        rule.Alias = draft.Alias;
        rule.Enabled = draft.Enabled ?? true;
    }

    /// <summary>Checks the terms that need no database; throws <see cref="Refusal"/> naming the first bad field.</summary>
    public static void Validate(AlertRuleDraft draft)
    {
        if (string.IsNullOrWhiteSpace(draft.Name)) throw Refusal.Invalid("name is required: say what the rule watches (e.g. 'fashion p95 over 20 ms').");
        if (draft.Name.Trim().Length > MaxNameLength) throw Refusal.Invalid($"name has {draft.Name.Trim().Length} characters; at most {MaxNameLength} are allowed.");
        if (string.IsNullOrEmpty(draft.Metric)) throw Refusal.Invalid($"metric is required: one of {string.Join(", ", AlertMetrics.All)}.");
        if (!AlertMetrics.IsKnown(draft.Metric)) throw Refusal.Invalid($"metric '{draft.Metric}' is not known; use one of {string.Join(", ", AlertMetrics.All)}.");
        if (draft.Comparison is { } comparison && !AlertComparisons.IsKnown(comparison))
            throw Refusal.Invalid($"comparison '{comparison}' is not known; use one of {string.Join(", ", AlertComparisons.All)}.");
        if (draft.Threshold is not { } threshold) throw Refusal.Invalid($"threshold is required: the value {draft.Metric} is compared with.");
        var (min, max) = AlertMetrics.ThresholdRange(draft.Metric);
        if (!double.IsFinite(threshold) || threshold < min || threshold > max)
        {
            throw Refusal.Invalid(draft.Metric == AlertMetrics.ErrorRate
                ? $"threshold of {draft.Metric} is a fraction between 0 and 1 (0.01 = 1 %), not {threshold}."
                : $"threshold of {draft.Metric} must be 0 or more, not {threshold}.");
        }
        if (draft.WindowSeconds is < 0 or > MaxWindowSeconds)
            throw Refusal.Invalid($"windowSeconds is how long the condition must hold, between 0 and {MaxWindowSeconds} seconds, not {draft.WindowSeconds}.");
        if (draft.Alias is { } alias)
        {
            if (draft.Model is null) throw Refusal.Invalid($"alias '{alias}' needs a model: an alias names a deployment only together with its model.");
            if (RegistryNames.AliasProblem(alias) is { } problem) throw Refusal.Invalid($"alias: {problem}");
        }
    }

    private static object Snapshot(AlertRule r) => new
    {
        r.Name,
        r.Metric,
        r.Comparison,
        r.Threshold,
        r.WindowSeconds,
        r.Model,
        r.Alias,
        r.Enabled,
        r.Revision,
    };
}
