using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Alerts;
using Portal.Contracts.Serving;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Live;
using Portal.Server.Serving;
using Portal.Server.Serving.Alerts;
using Portal.Server.Serving.Drift;
using Portal.Server.Tests.Approvals;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Serving.Alerts.AlertCalls;

namespace Portal.Server.Tests.Serving.Alerts;

/// <summary>
/// The evaluator inside the running portal: the test plays the serving core (and the drift publisher), putting
/// <see cref="DeploymentMetrics"/> and <see cref="DeploymentDrift"/> on a deployment's live topic while moving the
/// portal's clock, and watches alerts appear and resolve in the API, the audit trail and on the same topic.
/// </summary>
public sealed class AlertEvaluatorTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_latency_rule_fires_after_its_window_and_resolves_when_latency_recovers()
    {
        var (model, versionId) = await Deployment();
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var rule = await (await approver.Client.PostJson(RulesUrl, P95Rule(model, "production", windowSeconds: 60))).ReadJson<AlertRuleView>(HttpStatusCode.Created);
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        var topic = DeploymentTopics.Deployment(model, "production");
        using var events = Bus.Subscribe(topic);

        // p95 stays at 30 ms while the clock runs forward 5 s at a time: the alert fires once 60 s have passed.
        var fired = await PublishUntil(topic, () => Metrics(model, versionId, p95: 30), TimeSpan.FromSeconds(5),
            async () => (await viewer.GetJson<Page<AlertView>>($"{AlertsUrl}?model={model}")).Items.SingleOrDefault());

        Assert.Equal((AlertView.Firing, rule.Id, "p95_ms", ">", 20.0, 60), (fired.State, fired.RuleId, fired.Metric, fired.Comparison, fired.Threshold, fired.WindowSeconds));
        Assert.Equal((model, "production", versionId, 1, 30.0), (fired.Model, fired.Alias, fired.VersionId, fired.VersionNumber, fired.Value));
        Assert.True(fired.FiredAt - fired.ConditionSince >= TimeSpan.FromSeconds(60), $"fired {fired.FiredAt - fired.ConditionSince} after the condition began");
        var fireAudit = Assert.Single(await AuditOf(portal, fired.Id));
        Assert.Equal(("alert.fire", "system", "alert"), (fireAudit.Action, fireAudit.Actor, fireAudit.SubjectType));
        Assert.Contains(model, fireAudit.Details);

        var resolved = await PublishUntil(topic, () => Metrics(model, versionId, p95: 5), TimeSpan.Zero,
            async () => await viewer.GetJson<AlertView>($"{AlertsUrl}/{fired.Id}") is { State: AlertView.Resolved } a ? a : null);

        Assert.Equal(5.0, resolved.ResolvedValue);
        Assert.Contains("no longer > 20", resolved.ResolvedReason);
        Assert.Empty((await viewer.GetJson<Page<AlertView>>($"{AlertsUrl}?model={model}")).Items);
        Assert.Equal(fired.Id, Assert.Single((await viewer.GetJson<Page<AlertView>>($"{AlertsUrl}?model={model}&state=resolved")).Items).Id);
        Assert.Equal(["alert.fire", "alert.resolve"], (await AuditOf(portal, fired.Id)).Select(e => e.Action));
        var live = Drain(events).Where(e => e.Type == AlertEvaluator.EventType).Select(e => Assert.IsType<AlertView>(e.Data)).ToList();
        Assert.Equal([(fired.Id, AlertView.Firing), (fired.Id, AlertView.Resolved)], live.Select(a => (a.Id, a.State)));
    }

    [Fact]
    public async Task A_drift_rule_fires_on_the_published_index_and_resolves_when_drift_stops_being_reported()
    {
        var (model, versionId) = await Deployment();
        var admin = await portal.AdminClient();
        await (await admin.PostJson(RulesUrl, new { name = "input drift", metric = "psi_input", threshold = 0.2, model })).AssertStatus(HttpStatusCode.Created);
        var topic = DeploymentTopics.Deployment(model, "production");

        var fired = await PublishUntil(topic, () => new DeploymentDrift(model, "production", Clock.GetUtcNow(), 60,
                [new VersionDrift(versionId, 1, DriftStatus.Ok, null, 500, 0.35, 0.9, 3, 0.01)]), TimeSpan.Zero,
            async () => (await admin.GetJson<Page<AlertView>>($"{AlertsUrl}?model={model}")).Items.SingleOrDefault(), type: DriftPublisher.EventType);
        Assert.Equal(("psi_input", 0.35), (fired.Metric, fired.Value));

        // Nothing more is published (the version stopped serving): after 15 s without a value the alert resolves.
        Clock.Advance(AlertConditions.StaleAfter + TimeSpan.FromSeconds(1));
        var resolved = await Eventually(async () => await admin.GetJson<AlertView>($"{AlertsUrl}/{fired.Id}") is { State: AlertView.Resolved } a ? a : null);

        Assert.Contains("no psi_input value", resolved.ResolvedReason);
        Assert.Null(resolved.ResolvedValue);
    }

    [Fact]
    public async Task Deleting_a_rule_resolves_its_firing_alerts()
    {
        var (model, versionId) = await Deployment();
        var admin = await portal.AdminClient();
        var rule = await (await admin.PostJson(RulesUrl, new { name = "errors", metric = "error_rate", threshold = 0.01, model, alias = "production" }))
            .ReadJson<AlertRuleView>(HttpStatusCode.Created);
        var topic = DeploymentTopics.Deployment(model, "production");
        var fired = await PublishUntil(topic, () => Metrics(model, versionId, p95: 1, errorRate: 0.5), TimeSpan.Zero,
            async () => (await admin.GetJson<Page<AlertView>>($"{AlertsUrl}?model={model}")).Items.SingleOrDefault());

        await (await admin.DeleteAsync($"{RulesUrl}/{rule.Id}")).AssertStatus(HttpStatusCode.NoContent);

        var resolved = await PublishUntil(topic, () => Metrics(model, versionId, p95: 1, errorRate: 0.5), TimeSpan.Zero,
            async () => await admin.GetJson<AlertView>($"{AlertsUrl}/{fired.Id}") is { State: AlertView.Resolved } a ? a : null);
        Assert.Equal("the rule was deleted", resolved.ResolvedReason);
    }

    private TestClock Clock => portal.Clock;

    private LiveBus Bus => portal.Services.GetRequiredService<LiveBus>();

    /// <summary>A model whose version 1 holds <c>production</c>: a deployment the evaluator follows.</summary>
    private async Task<(string Model, Guid VersionId)> Deployment()
    {
        var model = await ModelSeed.Model(portal, (0.9, 1.0));
        await ModelSeed.Hold(portal, model, "production", 1);
        var modelId = await ModelSeed.ModelId(portal, model);
        var versionId = await portal.InDatabase(db => db.ModelVersions.Where(v => v.ModelId == modelId && v.Number == 1).Select(v => v.Id).SingleAsync());
        return (model, versionId);
    }

    private DeploymentMetrics Metrics(string model, Guid versionId, double p95, double errorRate = 0) => new(model, "production", Clock.GetUtcNow(), 10,
        [new VersionWindowMetrics(versionId, 1, false, 100, (long)(100 * errorRate), errorRate, 10, p95 / 2, p95, p95 * 1.5, 4)]);

    /// <summary>Publishes what <paramref name="payload"/> makes every 100 ms, moving the clock by <paramref name="step"/> each time, until <paramref name="done"/> gives a value.</summary>
    private async Task<T> PublishUntil<T>(string topic, Func<object> payload, TimeSpan step, Func<Task<T?>> done, string type = "metrics")
        where T : class
    {
        var deadline = DateTime.UtcNow + s_patience;
        while (DateTime.UtcNow < deadline)
        {
            Bus.Publish(topic, type, payload());
            if (await done() is { } value) return value;
            await Task.Delay(100);
            if (step > TimeSpan.Zero) Clock.Advance(step);
        }
        throw new Xunit.Sdk.XunitException($"Nothing happened within {s_patience.TotalSeconds} s of publishing on {topic}.");
    }

    private static async Task<T> Eventually<T>(Func<Task<T?>> done)
        where T : class
    {
        var deadline = DateTime.UtcNow + s_patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await done() is { } value) return value;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"Nothing happened within {s_patience.TotalSeconds} s.");
    }

    private static List<LiveEvent> Drain(LiveSubscription subscription)
    {
        var events = new List<LiveEvent>();
        while (subscription.TryRead(out var e)) events.Add(e);
        return events;
    }
}
