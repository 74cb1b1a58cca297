using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Serving;
using Portal.Server.Audit;
using Portal.Server.Live;
using Portal.Server.Persistence;
using Portal.Server.Serving.Drift;

namespace Portal.Server.Serving.Alerts;

/// <summary>
/// Once a second: follows the live topic of every deployment (every alias in the registry), reads the
/// <c>metrics</c> and <c>drift</c> events published since the last tick, runs them through <see cref="AlertConditions"/>
/// against the current rules, and records each fire and resolve as an <see cref="Alert"/> row with its audit event
/// (actor <c>system</c>) in one save, then publishes it as event type <c>alert</c> on the deployment's topic.
/// </summary>
public sealed class AlertEvaluator(IServiceScopeFactory scopes, LiveBus bus, TimeProvider clock, ILogger<AlertEvaluator> logger) : BackgroundService
{
    public const string EventType = "alert";
    public const string SystemActor = "system";
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly AlertConditions _conditions = new();
    private readonly Dictionary<string, LiveSubscription> _subscriptions = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        try
        {
            await AdoptOpenAlerts(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await Tick(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Evaluating alert rules failed; they are evaluated again in {Period}.", Period);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var subscription in _subscriptions.Values) subscription.Dispose();
        }
    }

    private async Task AdoptOpenAlerts(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var open = await db.Set<Alert>().AsNoTracking().Where(a => a.ResolvedAt == null).ToListAsync(ct);
        _conditions.Adopt(open.Select(a => new OpenAlert(a.Id, a.RuleId, a.RuleRevision, a.Model, a.Alias, a.VersionId, a.VersionNumber, a.ConditionSince)), clock.GetUtcNow());
    }

    private async Task Tick(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var rules = await db.Set<AlertRule>().AsNoTracking().ToListAsync(ct);
        var deployments = await db.Aliases.AsNoTracking()
            .Join(db.Models.AsNoTracking(), a => a.ModelId, m => m.Id, (a, m) => new { Model = m.Name, Alias = a.Name })
            .ToListAsync(ct);
        Follow(deployments.Select(d => DeploymentTopics.Deployment(d.Model, d.Alias)).ToHashSet(StringComparer.Ordinal));

        var transitions = _conditions.Evaluate(rules, Observations(), clock.GetUtcNow());
        if (transitions.Count == 0) return;

        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var changed = new List<Alert>();
        foreach (var t in transitions)
        {
            if (t.Kind == AlertTransitionKind.Fire) changed.Add(Fire(db, audit, t));
            else if (await Resolve(db, audit, t, ct) is { } resolved) changed.Add(resolved);
        }
        await db.SaveChangesAsync(ct);
        foreach (var alert in changed)
        {
            bus.Publish(DeploymentTopics.Deployment(alert.Model, alert.Alias), EventType, AlertViews.View(alert));
            logger.LogInformation("Alert {Rule} {State} for {Model}/{Alias} version {Version}: {Metric} = {Value}.",
                alert.RuleName, alert.ResolvedAt is null ? "fired" : "resolved", alert.Model, alert.Alias, alert.VersionNumber, alert.Metric, alert.ResolvedValue ?? alert.Value);
        }
    }

    private Alert Fire(PortalDbContext db, AuditLog audit, AlertTransition t)
    {
        var alert = new Alert
        {
            Id = t.AlertId,
            RuleId = t.Rule.Id,
            RuleRevision = t.Rule.Revision,
            RuleName = t.Rule.Name,
            Metric = t.Rule.Metric,
            Comparison = t.Rule.Comparison,
            Threshold = t.Rule.Threshold,
            WindowSeconds = t.Rule.WindowSeconds,
            Model = t.Model,
            Alias = t.Alias,
            VersionId = t.VersionId,
            VersionNumber = t.VersionNumber,
            Value = t.Value.GetValueOrDefault(),
            ConditionSince = AuditHash.Truncate(t.ConditionSince),
            FiredAt = AuditHash.Truncate(clock.GetUtcNow()),
        };
        db.Set<Alert>().Add(alert);
        audit.Append(SystemActor, "alert.fire", "alert", alert.Id.ToString(), new
        {
            ruleId = alert.RuleId,
            rule = alert.RuleName,
            condition = $"{alert.Metric} {alert.Comparison} {alert.Threshold} for {alert.WindowSeconds} s",
            model = alert.Model,
            alias = alert.Alias,
            version = alert.VersionNumber,
            versionId = alert.VersionId,
            value = alert.Value,
            since = alert.ConditionSince,
        });
        return alert;
    }

    private async Task<Alert?> Resolve(PortalDbContext db, AuditLog audit, AlertTransition t, CancellationToken ct)
    {
        var alert = await db.Set<Alert>().FirstOrDefaultAsync(a => a.Id == t.AlertId, ct);
        if (alert is null || alert.ResolvedAt is not null) return null;
        alert.ResolvedAt = AuditHash.Truncate(clock.GetUtcNow());
        alert.ResolvedValue = t.Value;
        alert.ResolvedReason = t.Reason;
        audit.Append(SystemActor, "alert.resolve", "alert", alert.Id.ToString(), new
        {
            ruleId = alert.RuleId,
            rule = alert.RuleName,
            model = alert.Model,
            alias = alert.Alias,
            version = alert.VersionNumber,
            value = t.Value,
            reason = t.Reason,
            firedAt = alert.FiredAt,
        });
        return alert;
    }

    /// <summary>Subscribes to new deployments' topics and leaves those whose alias is gone.</summary>
    private void Follow(HashSet<string> topics)
    {
        foreach (var topic in topics.Where(t => !_subscriptions.ContainsKey(t)).ToList()) _subscriptions[topic] = bus.Subscribe(topic);
        foreach (var topic in _subscriptions.Keys.Where(t => !topics.Contains(t)).ToList())
        {
            _subscriptions[topic].Dispose();
            _subscriptions.Remove(topic);
        }
    }

    private List<AlertObservation> Observations()
    {
        var observations = new List<AlertObservation>();
        foreach (var subscription in _subscriptions.Values)
        {
            while (subscription.TryRead(out var e))
            {
                switch (e.Data)
                {
                    case DeploymentMetrics metrics:
                        observations.AddRange(AlertObservation.From(metrics, e.Time));
                        break;
                    case DeploymentDrift drift:
                        observations.AddRange(AlertObservation.From(drift, e.Time));
                        break;
                }
            }
        }
        return observations;
    }
}
