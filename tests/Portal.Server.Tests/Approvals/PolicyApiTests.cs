using System.Net;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Approvals.ModelSeed;

namespace Portal.Server.Tests.Approvals;

public sealed class PolicyApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_model_without_a_policy_protects_production_with_one_approval()
    {
        var model = await Model(portal, (0.9, 1.0));
        var viewer = await portal.CreateUser(PortalRoles.Viewer);

        var policy = await (await viewer.Client.GetAsync($"/api/v1/models/{model}/policy")).Read<PolicyView>();

        Assert.True(policy.IsDefault);
        Assert.Equal(["production"], policy.ProtectedAliases);
        Assert.Equal((1, PortalRoles.Approver, 72), (policy.RequiredApprovals, policy.ApproverRole, policy.RequestLifetimeHours));
        Assert.Equal(((double?)null, (double?)null, (double?)null), (policy.MinAccuracy, policy.MaxAccuracyDrop, policy.MaxP95LatencyMs));
    }

    [Fact]
    public async Task An_admin_replaces_the_policy_and_the_change_is_audited()
    {
        var model = await Model(portal, (0.9, 1.0));
        var admin = await portal.AdminClient();

        var set = await (await admin.PutPolicy(model, new
        {
            protectedAliases = new[] { "production", "staging" },
            requiredApprovals = 2,
            approverRole = "admin",
            minAccuracy = 0.85,
            maxAccuracyDrop = 0.01,
            maxP95LatencyMs = 3.5,
            requestLifetimeHours = 24,
        })).Read<PolicyView>();

        Assert.False(set.IsDefault);
        Assert.Equal(["production", "staging"], set.ProtectedAliases);
        Assert.Equal((2, PortalRoles.Admin, 0.85, 0.01, 3.5, 24), (set.RequiredApprovals, set.ApproverRole, set.MinAccuracy, set.MaxAccuracyDrop, set.MaxP95LatencyMs, set.RequestLifetimeHours));
        Assert.Equal(AdminBootstrap.AdminUserName, set.UpdatedBy);
        Assert.Equivalent(set, await (await admin.GetAsync($"/api/v1/models/{model}/policy")).Read<PolicyView>(), strict: true);
        var change = Assert.Single(await AuditOf(portal, (await ModelId(portal, model)).ToString()), e => e.Action == "policy.change");
        Assert.Contains("staging", change.Details);

        // PUT replaces: what is left out returns to its default.
        var reset = await (await admin.PutPolicy(model, new { })).Read<PolicyView>();
        Assert.Equal((1, PortalRoles.Approver, (double?)null), (reset.RequiredApprovals, reset.ApproverRole, reset.MinAccuracy));
    }

    [Fact]
    public async Task Only_an_admin_may_change_a_policy()
    {
        var model = await Model(portal, (0.9, 1.0));
        var approver = await portal.CreateUser(PortalRoles.Approver);

        Assert.Equal(HttpStatusCode.Forbidden, (await approver.Client.PutPolicy(model, new { requiredApprovals = 1 })).StatusCode);
    }

    [Fact]
    public async Task A_policy_for_an_unknown_model_is_not_found()
    {
        var admin = await portal.AdminClient();

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/models/nope/policy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutPolicy("nope", new { })).StatusCode);
    }

    [Theory]
    [InlineData("{\"requiredApprovals\":0}", "requiredApprovals")]
    [InlineData("{\"requiredApprovals\":11}", "requiredApprovals")]
    [InlineData("{\"approverRole\":\"Contributor\"}", "approverRole")]
    [InlineData("{\"approverRole\":\"Boss\"}", "approverRole")]
    [InlineData("{\"minAccuracy\":1.5}", "minAccuracy")]
    [InlineData("{\"maxAccuracyDrop\":-0.01}", "maxAccuracyDrop")]
    [InlineData("{\"maxP95LatencyMs\":0}", "maxP95LatencyMs")]
    [InlineData("{\"requestLifetimeHours\":0}", "requestLifetimeHours")]
    [InlineData("{\"protectedAliases\":[\"prod uction\"]}", "protectedAliases")]
    [InlineData("{\"protectedAliases\":[\"production\",\"production\"]}", "more than once")]
    public async Task An_invalid_policy_is_refused_naming_the_field(string body, string named)
    {
        var model = await Model(portal, (0.9, 1.0));
        var admin = await portal.AdminClient();

        var response = await admin.PutAsync($"/api/v1/models/{model}/policy", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Contains(named, await response.Problem(HttpStatusCode.BadRequest));
        Assert.True((await (await admin.GetAsync($"/api/v1/models/{model}/policy")).Read<PolicyView>()).IsDefault);
    }
}
