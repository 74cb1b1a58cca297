using System.Net;
using Portal.Contracts;
using Portal.Contracts.Alerts;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Serving.Alerts;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Serving.Alerts.AlertCalls;

namespace Portal.Server.Tests.Serving.Alerts;

public sealed class AlertRulesApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task An_approver_creates_a_rule_that_viewers_can_read_and_the_creation_is_audited()
    {
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var model = await Approvals.ModelSeed.Model(portal, (0.9, 1.0));

        var created = await (await approver.Client.PostJson(RulesUrl, P95Rule(model, "production"))).ReadJson<AlertRuleView>(HttpStatusCode.Created);
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);

        Assert.Equal(("p95_ms", ">", 20.0, 60, model, "production", true, 1), (created.Metric, created.Comparison, created.Threshold, created.WindowSeconds, created.Model, created.Alias, created.Enabled, created.Revision));
        Assert.Equal(approver.UserName, created.CreatedBy);
        Assert.Equivalent(created, await viewer.GetJson<AlertRuleView>($"{RulesUrl}/{created.Id}"), strict: true);
        Assert.Contains(created.Id, (await viewer.GetJson<Page<AlertRuleView>>($"{RulesUrl}?limit=500")).Items.Select(r => r.Id));
        var audit = Assert.Single(await AuditOf(portal, created.Id));
        Assert.Equal(("alert-rule.create", approver.UserName, "alert-rule"), (audit.Action, audit.Actor, audit.SubjectType));
        Assert.Contains("p95_ms", audit.Details);
    }

    [Fact]
    public async Task Defaults_fill_what_the_rule_leaves_out_and_no_model_means_every_deployment()
    {
        var admin = await portal.AdminClient();

        var rule = await (await admin.PostJson(RulesUrl, new { name = "drift", metric = "psi_input", threshold = 0.2 })).ReadJson<AlertRuleView>(HttpStatusCode.Created);

        Assert.Equal((">", 0, (string?)null, (string?)null, true), (rule.Comparison, rule.WindowSeconds, rule.Model, rule.Alias, rule.Enabled));
    }

    [Theory]
    [InlineData("""{"name":"r","metric":"p96_ms","threshold":1}""", "metric 'p96_ms' is not known", "p95_ms")]
    [InlineData("""{"name":"r","threshold":1}""", "metric is required")]
    [InlineData("""{"metric":"p95_ms","threshold":1}""", "name is required")]
    [InlineData("""{"name":"r","metric":"p95_ms","threshold":1,"windowSeconds":-5}""", "windowSeconds", "-5")]
    [InlineData("""{"name":"r","metric":"p95_ms","threshold":1,"windowSeconds":86401}""", "windowSeconds", "86400")]
    [InlineData("""{"name":"r","metric":"p95_ms"}""", "threshold is required")]
    [InlineData("""{"name":"r","metric":"p95_ms","threshold":-1}""", "threshold of p95_ms", "-1")]
    [InlineData("""{"name":"r","metric":"error_rate","threshold":5}""", "threshold of error_rate", "between 0 and 1")]
    [InlineData("""{"name":"r","metric":"p95_ms","threshold":1,"comparison":"=="}""", "comparison '=='", ">=")]
    [InlineData("""{"name":"r","metric":"p95_ms","threshold":1,"alias":"production"}""", "alias 'production' needs a model")]
    [InlineData("""{"name":"r","metric":"p95_ms","threshold":1,"model":"no-such-model"}""", "model: no model 'no-such-model'")]
    public async Task A_bad_rule_is_refused_with_a_problem_naming_the_field(string body, params string[] detail)
    {
        var admin = await portal.AdminClient();

        var response = await admin.PostAsync(RulesUrl, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblem(HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task A_bad_alias_is_refused_with_the_registrys_rule_for_alias_names()
    {
        var admin = await portal.AdminClient();
        var model = await Approvals.ModelSeed.Model(portal, (0.9, 1.0));

        var response = await admin.PostJson(RulesUrl, P95Rule(model, "Not An Alias"));

        await response.AssertProblem(HttpStatusCode.BadRequest, "alias:", "Not An Alias");
    }

    [Fact]
    public async Task A_contributor_may_read_rules_but_not_change_them()
    {
        var contributor = await portal.CreateClientAs(PortalRoles.Contributor);
        var rule = await (await (await portal.AdminClient()).PostJson(RulesUrl, P95Rule())).ReadJson<AlertRuleView>(HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.Forbidden, (await contributor.PostJson(RulesUrl, P95Rule())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await contributor.PutJson($"{RulesUrl}/{rule.Id}", P95Rule())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await contributor.DeleteAsync($"{RulesUrl}/{rule.Id}")).StatusCode);
        Assert.Equal(rule.Id, (await contributor.GetJson<AlertRuleView>($"{RulesUrl}/{rule.Id}")).Id);
    }

    [Fact]
    public async Task Replacing_a_rule_raises_its_revision_and_audits_before_and_after()
    {
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var rule = await (await approver.Client.PostJson(RulesUrl, P95Rule())).ReadJson<AlertRuleView>(HttpStatusCode.Created);

        var replaced = await (await approver.Client.PutJson($"{RulesUrl}/{rule.Id}", new { name = "slow", metric = "p99_ms", threshold = 50, windowSeconds = 120, enabled = false }))
            .ReadJson<AlertRuleView>();

        Assert.Equal(("slow", "p99_ms", 50.0, 120, false, 2), (replaced.Name, replaced.Metric, replaced.Threshold, replaced.WindowSeconds, replaced.Enabled, replaced.Revision));
        Assert.Equal((rule.CreatedBy, rule.CreatedAt), (replaced.CreatedBy, replaced.CreatedAt));
        var update = Assert.Single(await AuditOf(portal, rule.Id), e => e.Action == "alert-rule.update");
        Assert.Contains("\"before\":{", update.Details);
        Assert.Contains("p99_ms", update.Details);
        await (await approver.Client.PutJson($"{RulesUrl}/{rule.Id}", new { name = "slow", metric = "p99_ms", threshold = -3 }))
            .AssertProblem(HttpStatusCode.BadRequest, "threshold");
        Assert.Equal(2, (await approver.Client.GetJson<AlertRuleView>($"{RulesUrl}/{rule.Id}")).Revision);
        await (await approver.Client.PutJson($"{RulesUrl}/{Guid.NewGuid()}", P95Rule())).AssertProblem(HttpStatusCode.NotFound, "No alert rule");
    }

    [Fact]
    public async Task Deleting_a_rule_removes_it_and_is_audited()
    {
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var rule = await (await approver.Client.PostJson(RulesUrl, P95Rule())).ReadJson<AlertRuleView>(HttpStatusCode.Created);

        await (await approver.Client.DeleteAsync($"{RulesUrl}/{rule.Id}")).AssertStatus(HttpStatusCode.NoContent);

        await (await approver.Client.GetAsync($"{RulesUrl}/{rule.Id}")).AssertProblem(HttpStatusCode.NotFound, rule.Id.ToString());
        await (await approver.Client.DeleteAsync($"{RulesUrl}/{rule.Id}")).AssertProblem(HttpStatusCode.NotFound, "No alert rule");
        Assert.Equal(["alert-rule.create", "alert-rule.delete"], (await AuditOf(portal, rule.Id)).Select(e => e.Action));
    }

    [Fact]
    public async Task Alerts_are_listed_by_state_and_an_unknown_state_is_refused()
    {
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);

        Assert.NotNull(await viewer.GetJson<Page<AlertView>>($"{AlertsUrl}?state=resolved"));
        await (await viewer.GetAsync($"{AlertsUrl}?state=burning")).AssertProblem(HttpStatusCode.BadRequest, "state 'burning'", "firing");
        await (await viewer.GetAsync($"{AlertsUrl}/{Guid.NewGuid()}")).AssertProblem(HttpStatusCode.NotFound, "No alert");
    }
}
