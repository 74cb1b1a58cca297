using System.Net;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Approvals.ModelSeed;

namespace Portal.Server.Tests.Approvals;

/// <summary>Gates evaluated on the request, and what a failed gate allows, through HTTP.</summary>
public sealed class PromotionGateTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Production = "production";
    private static readonly object s_strictPolicy = new { minAccuracy = 0.9, maxAccuracyDrop = 0.02, maxP95LatencyMs = 5.0 };

    [Fact]
    public async Task Gates_are_measured_against_the_version_and_the_current_holder()
    {
        var model = await Model(portal, (0.95, 1.0), (0.92, 6.5));
        await Hold(portal, model, Production, 1);
        (await (await portal.AdminClient()).PutPolicy(model, s_strictPolicy)).EnsureSuccessStatusCode();
        var requester = await portal.CreateUser(PortalRoles.Contributor);

        var request = await requester.Client.Requested(model, Production, 2);

        Assert.False(request.GatesPassed);
        var gates = request.Gates.ToDictionary(g => g.Name);
        Assert.Equal((0.9, 0.92, true, "fraction"), Figures(gates[GateEvaluator.MinAccuracy]));
        Assert.Equal(0.02, gates[GateEvaluator.MaxAccuracyDrop].Threshold);
        Assert.Equal(0.03, gates[GateEvaluator.MaxAccuracyDrop].Measured!.Value, 9);
        Assert.False(gates[GateEvaluator.MaxAccuracyDrop].Passed);
        Assert.Equal((5.0, 6.5, false, "ms"), Figures(gates[GateEvaluator.MaxP95Latency]));
        var fetched = await requester.Client.Promotion(request.Id);
        Assert.Equal(request.Gates, fetched.Gates);
    }

    [Fact]
    public async Task Missing_evidence_fails_its_gate_and_says_so()
    {
        var model = await Model(portal, (null, null));
        (await (await portal.AdminClient()).PutPolicy(model, s_strictPolicy)).EnsureSuccessStatusCode();
        var requester = await portal.CreateUser(PortalRoles.Contributor);

        var request = await requester.Client.Requested(model, Production, 1);

        Assert.False(request.GatesPassed);
        var accuracy = Assert.Single(request.Gates, g => g.Name == GateEvaluator.MinAccuracy);
        Assert.Equal((null, false), (accuracy.Measured, accuracy.Passed));
        Assert.Contains("no measured test accuracy", accuracy.Detail);
        Assert.Contains("no measured p95 latency", Assert.Single(request.Gates, g => g.Name == GateEvaluator.MaxP95Latency).Detail);
        // No holder yet: there is no accuracy to fall below.
        Assert.True(Assert.Single(request.Gates, g => g.Name == GateEvaluator.MaxAccuracyDrop).Passed);
    }

    [Fact]
    public async Task A_failed_gate_blocks_an_approver()
    {
        var (model, request) = await FailingRequest();
        var approver = await portal.CreateUser(PortalRoles.Approver);

        var detail = await (await approver.Client.Approve(request.Id)).Problem(HttpStatusCode.Conflict);

        Assert.Contains("failed its gates", detail);
        Assert.Contains(GateEvaluator.MinAccuracy, detail);
        Assert.Equal((1, (int?)null), await Alias(portal, model, Production));
    }

    [Fact]
    public async Task An_admin_override_without_a_reason_is_refused()
    {
        var (model, request) = await FailingRequest();
        var admin = await portal.AdminClient();

        Assert.Contains("overrideReason", await (await admin.Approve(request.Id)).Problem(HttpStatusCode.BadRequest));
        Assert.Contains("overrideReason", await (await admin.Approve(request.Id, overrideReason: "  ")).Problem(HttpStatusCode.BadRequest));
        Assert.Equal((1, (int?)null), await Alias(portal, model, Production));
    }

    [Fact]
    public async Task An_admin_override_with_a_reason_approves_and_is_audited()
    {
        var (model, request) = await FailingRequest();
        var admin = await portal.AdminClient();

        var approved = await (await admin.Approve(request.Id, "", "hotfix for a data leak; accuracy recovers in v3")).View();

        Assert.Equal("Approved", approved.State);
        var decision = Assert.Single(approved.Decisions);
        Assert.True(decision.OverrodeGates);
        Assert.Equal("hotfix for a data leak; accuracy recovers in v3", decision.Comment);
        Assert.Equal((2, 1), await Alias(portal, model, Production));
        var events = await AuditOf(portal, request.Id.ToString());
        var overrideEvent = Assert.Single(events, e => e.Action == "promotion.override");
        Assert.Equal(AdminBootstrap.AdminUserName, overrideEvent.Actor);
        Assert.Contains("hotfix for a data leak", overrideEvent.Details);
        Assert.Contains(events, e => e.Action == "promotion.approve");
    }

    [Fact]
    public async Task A_non_admin_cannot_override_even_with_a_reason()
    {
        var (_, request) = await FailingRequest();
        var approver = await portal.CreateUser(PortalRoles.Approver);

        Assert.Contains("Admin", await (await approver.Client.Approve(request.Id, "", "trust me")).Problem(HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task An_override_reason_on_a_request_that_passed_its_gates_is_refused()
    {
        var model = await Model(portal, (0.95, 1.0));
        (await (await portal.AdminClient()).PutPolicy(model, s_strictPolicy)).EnsureSuccessStatusCode();
        var request = await (await portal.CreateUser(PortalRoles.Contributor)).Client.Requested(model, Production, 1);
        Assert.True(request.GatesPassed);

        Assert.Contains("nothing to override", await (await (await portal.AdminClient()).Approve(request.Id, "", "why not")).Problem(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Once_an_admin_overrode_the_gates_other_approvers_may_complete_the_request()
    {
        var (model, request) = await FailingRequest(requiredApprovals: 2);
        var admin = await portal.AdminClient();
        var approver = await portal.CreateUser(PortalRoles.Approver);

        Assert.Equal("Pending", (await (await admin.Approve(request.Id, "", "known regression, accepted by the owner")).View()).State);
        Assert.Equal("Approved", (await (await approver.Client.Approve(request.Id)).View()).State);
        Assert.Equal((2, 1), await Alias(portal, model, Production));
    }

    private async Task<(string Model, PromotionView Request)> FailingRequest(int requiredApprovals = 1)
    {
        var model = await Model(portal, (0.95, 1.0), (0.80, 1.0));
        await Hold(portal, model, Production, 1);
        (await (await portal.AdminClient()).PutPolicy(model, new { minAccuracy = 0.9, requiredApprovals })).EnsureSuccessStatusCode();
        var request = await (await portal.CreateUser(PortalRoles.Contributor)).Client.Requested(model, Production, 2);
        Assert.False(request.GatesPassed);
        return (model, request);
    }

    private static (double, double?, bool, string) Figures(GateResult gate) => (gate.Threshold, gate.Measured, gate.Passed, gate.Unit);
}
