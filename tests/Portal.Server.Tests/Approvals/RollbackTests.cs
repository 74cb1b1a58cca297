using System.Net;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Approvals.ModelSeed;

namespace Portal.Server.Tests.Approvals;

public sealed class RollbackTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Production = "production";

    [Fact]
    public async Task Rollback_returns_the_alias_to_its_previous_holder_in_one_audited_action()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        var request = await (await portal.CreateUser(PortalRoles.Contributor)).Client.Requested(model, Production, 2);
        var approver = await portal.CreateUser(PortalRoles.Approver);
        (await approver.Client.Approve(request.Id)).EnsureSuccessStatusCode();

        var rolledBack = await (await approver.Client.Rollback(model, Production, "error rate doubled")).Read<RollbackView>();

        Assert.Equal((1, 2, "error rate doubled"), (rolledBack.Version, rolledBack.RolledBackFrom, rolledBack.Comment));
        Assert.Equal((1, 2), await Alias(portal, model, Production));
        var last = (await Assignments(portal, model, Production)).Last();
        Assert.Equal((AliasMoveReason.Rollback, approver.UserName, (DateTimeOffset?)null), (last.Reason, last.AssignedBy, last.Until));
        var events = await AuditOf(portal, (await ModelId(portal, model)).ToString());
        Assert.Single(events, e => e.Action == "alias.rollback" && e.Actor == approver.UserName);
        Assert.Contains("error rate doubled", Assert.Single(events, e => e.Action == "promotion.rollback").Details);
    }

    [Fact]
    public async Task Rollback_without_a_previous_holder_conflicts()
    {
        var model = await Model(portal, (0.90, 2.0));
        await Hold(portal, model, Production, 1);
        var approver = await portal.CreateUser(PortalRoles.Approver);

        Assert.Contains("no previous holder", await (await approver.Client.Rollback(model, Production)).Problem(HttpStatusCode.Conflict));
        Assert.Contains("no alias", await (await approver.Client.Rollback(model, "staging")).Problem(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Rollback_needs_a_comment_and_an_approver()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        await Hold(portal, model, Production, 2);
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);

        Assert.Equal(HttpStatusCode.Forbidden, (await contributor.Client.Rollback(model, Production)).StatusCode);
        Assert.Contains("comment", await (await approver.Client.Rollback(model, Production, "")).Problem(HttpStatusCode.BadRequest));
        Assert.Equal((2, 1), await Alias(portal, model, Production));
    }

    [Fact]
    public async Task A_protected_alias_whose_policy_wants_an_admin_is_rolled_back_only_by_an_admin()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        await Hold(portal, model, Production, 2);
        var admin = await portal.AdminClient();
        (await admin.PutPolicy(model, new { approverRole = "Admin" })).EnsureSuccessStatusCode();
        var approver = await portal.CreateUser(PortalRoles.Approver);

        Assert.Contains("takes the role Admin", await (await approver.Client.Rollback(model, Production)).Problem(HttpStatusCode.Forbidden));
        Assert.Equal(1, (await (await admin.Rollback(model, Production)).Read<RollbackView>()).Version);
    }
}
