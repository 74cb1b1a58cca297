using System.Net;
using Portal.Client.Live;
using Portal.Contracts.Alerts;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>Alert rules and the alerts they raise, through the client, on a deployment the test serves.</summary>
public sealed class AlertsTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task An_approvers_rule_fires_live_on_a_served_alias_and_resolves_when_the_rule_changes()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var approver = await portal.ClientAs(PortalRoles.Approver);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        var model = await TinyModels.ServedModel(contributor, "staging", versions: 1, seed: 61, ct);

        // Throughput is measured every second, idle or not, so "at least 0 requests per second" holds at once.
        var draft = new AlertRuleDraft("always on", AlertMetrics.RequestsPerSecond, ">=", 0, null, model, "staging", null);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<PortalApiException>(() => contributor.AlertRules.Create(draft, ct))).Status);
        var rule = await approver.AlertRules.Create(draft, ct);
        Assert.Equal(("always on", ">=", 0.0, 0, true), (rule.Name, rule.Comparison, rule.Threshold, rule.WindowSeconds, rule.Enabled));
        Assert.Equal(rule, await viewer.AlertRules.Get(rule.Id, ct));
        Assert.Contains(await viewer.AlertRules.ListAll(ct).ToListAsync(ct), r => r.Id == rule.Id);

        AlertView? fired = null;
        await foreach (var m in viewer.Live.Watch(LiveTopics.Deployment(model, "staging"), 0, ct))
        {
            if (m.Type == "alert" && m.As<AlertView>() is { State: AlertView.Firing } a && a.RuleId == rule.Id)
            {
                fired = a;
                break;
            }
        }
        Assert.Equal((model, "staging", 1, AlertMetrics.RequestsPerSecond), (fired!.Model, fired.Alias, fired.VersionNumber, fired.Metric));
        Assert.Equal(fired, await viewer.Alerts.Get(fired.Id, ct));
        Assert.Contains(await viewer.Alerts.ListAll(model: model, ct: ct).ToListAsync(ct), a => a.Id == fired.Id);

        // New terms that never hold: the alert raised under the old ones resolves, saying why.
        var replaced = await approver.AlertRules.Replace(rule.Id, draft with { Threshold = 1_000_000 }, ct);
        Assert.Equal((rule.Revision + 1, ">=", 1_000_000.0), (replaced.Revision, replaced.Comparison, replaced.Threshold));
        AlertView resolved;
        while ((resolved = await viewer.Alerts.Get(fired.Id, ct)).State != AlertView.Resolved) await Task.Delay(100, ct);
        Assert.Equal("the rule was changed", resolved.ResolvedReason);
        Assert.Contains(await viewer.Alerts.ListAll(AlertView.Resolved, model, "staging", ct).ToListAsync(ct), a => a.Id == fired.Id);
        Assert.DoesNotContain(await viewer.Alerts.ListAll(model: model, ct: ct).ToListAsync(ct), a => a.Id == fired.Id);
        Assert.Contains((await viewer.Alerts.List(AlertView.All, model, ct: ct)).Items, a => a.Id == fired.Id);

        await approver.AlertRules.Delete(rule.Id, ct);
        var gone = await Assert.ThrowsAsync<PortalApiException>(() => viewer.AlertRules.Get(rule.Id, ct));
        Assert.Equal((HttpStatusCode.NotFound, $"No alert rule {rule.Id}."), (gone.Status, gone.Message));
    }

    [Fact]
    public async Task Refused_rules_and_unknown_alerts_say_why()
    {
        await using var approver = await portal.ClientAs(PortalRoles.Approver);

        var metric = await Assert.ThrowsAsync<PortalApiException>(() => approver.AlertRules.Create(new AlertRuleDraft("latency", "latency", null, 5, null, null, null, null)));
        Assert.Equal(HttpStatusCode.BadRequest, metric.Status);
        Assert.StartsWith("metric 'latency' is not known", metric.Message);
        var rate = await Assert.ThrowsAsync<PortalApiException>(() => approver.AlertRules.Create(new AlertRuleDraft("errors", AlertMetrics.ErrorRate, null, 5, null, null, null, null)));
        Assert.StartsWith("threshold of error_rate is a fraction between 0 and 1", rate.Message);
        var alias = await Assert.ThrowsAsync<PortalApiException>(() => approver.AlertRules.Create(new AlertRuleDraft("p95", AlertMetrics.P95Ms, null, 20, null, null, "staging", null)));
        Assert.StartsWith("alias 'staging' needs a model", alias.Message);
        var missing = Guid.NewGuid();
        Assert.Equal($"No alert rule {missing}.", (await Assert.ThrowsAsync<PortalApiException>(() => approver.AlertRules.Replace(missing, new AlertRuleDraft("x", AlertMetrics.P95Ms, null, 1, null, null, null, null)))).Message);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<PortalApiException>(() => approver.AlertRules.Delete(missing))).Status);
        Assert.Equal($"No alert {missing}.", (await Assert.ThrowsAsync<PortalApiException>(() => approver.Alerts.Get(missing))).Message);
        Assert.StartsWith("state 'loud' is not known", (await Assert.ThrowsAsync<PortalApiException>(() => approver.Alerts.List("loud"))).Message);
    }
}
