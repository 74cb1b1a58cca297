using System.Net;
using Portal.Contracts;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Approvals.ModelSeed;

namespace Portal.Server.Tests.Approvals;

/// <summary>Every state transition of a promotion request, through HTTP.</summary>
public sealed class PromotionLifecycleTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Production = "production";

    [Fact]
    public async Task Approval_by_one_approver_moves_the_alias_and_remembers_the_previous_holder()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);

        var request = await requester.Client.Requested(model, Production, 2);
        Assert.Equal("Pending", request.State);
        Assert.Equal(1, request.CurrentVersion);
        Assert.Equal(requester.UserName, request.RequestedBy);

        var approved = await (await approver.Client.Approve(request.Id, "ship it")).View();
        Assert.Equal("Approved", approved.State);
        Assert.NotNull(approved.ClosedAt);
        var decision = Assert.Single(approved.Decisions);
        Assert.Equal((approver.UserName, "Approve", "ship it", false), (decision.DecidedBy, decision.Kind, decision.Comment, decision.OverrodeGates));

        Assert.Equal((2, 1), await Alias(portal, model, Production));
        var moved = (await Assignments(portal, model, Production)).Last();
        Assert.Equal((AliasMoveReason.Promotion, request.Id, approver.UserName), (moved.Reason, moved.PromotionRequestId, moved.AssignedBy));

        var actions = (await AuditOf(portal, request.Id.ToString())).Select(e => (e.Action, e.Actor)).ToList();
        Assert.Equal([("promotion.request", requester.UserName), ("promotion.approve", approver.UserName)], actions);
        var approveEvent = Assert.Single(await AuditOf(portal, request.Id.ToString()), e => e.Action == "promotion.approve");
        var moveEvent = Assert.Single(await AuditOf(portal, (await ModelId(portal, model)).ToString()), e => e.Action == "alias.move" && e.Details!.Contains(request.Id.ToString()));
        // Written in the same save, in the order they were appended.
        Assert.Equal((approveEvent.Sequence + 1, approver.UserName), (moveEvent.Sequence, moveEvent.Actor));
    }

    [Fact]
    public async Task Two_required_approvals_take_two_distinct_approvers()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        var admin = await portal.AdminClient();
        (await admin.PutPolicy(model, new { requiredApprovals = 2 })).EnsureSuccessStatusCode();
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var first = await portal.CreateUser(PortalRoles.Approver);
        var second = await portal.CreateUser(PortalRoles.Approver);
        var request = await requester.Client.Requested(model, Production, 2);

        var afterFirst = await (await first.Client.Approve(request.Id)).View();
        Assert.Equal(("Pending", 1, 2), (afterFirst.State, afterFirst.Approvals, afterFirst.RequiredApprovals));
        Assert.Equal((1, (int?)null), await Alias(portal, model, Production));

        var again = await (await first.Client.Approve(request.Id)).Problem(HttpStatusCode.Conflict);
        Assert.Contains("already decided", again);

        // A body is optional: an approval's comment is.
        var afterSecond = await (await second.Client.PostAsync($"/api/v1/promotions/{request.Id}/approve", null)).View();
        Assert.Equal(("Approved", 2), (afterSecond.State, afterSecond.Approvals));
        Assert.Equal((2, 1), await Alias(portal, model, Production));
        Assert.Equal(2, (await AuditOf(portal, request.Id.ToString())).Count(e => e.Action == "promotion.approve"));
    }

    [Fact]
    public async Task Denial_with_a_comment_closes_the_request_and_leaves_the_alias()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var request = await requester.Client.Requested(model, Production, 2);

        Assert.Contains("comment", await (await approver.Client.Deny(request.Id, " ")).Problem(HttpStatusCode.BadRequest));
        var denied = await (await approver.Client.Deny(request.Id, "latency regression on the canary")).View();

        Assert.Equal("Denied", denied.State);
        Assert.Equal("latency regression on the canary", Assert.Single(denied.Decisions).Comment);
        Assert.Equal((1, (int?)null), await Alias(portal, model, Production));
        var late = await portal.CreateUser(PortalRoles.Approver);
        Assert.Contains("not pending", await (await late.Client.Approve(request.Id)).Problem(HttpStatusCode.Conflict));
        var deny = Assert.Single(await AuditOf(portal, request.Id.ToString()), e => e.Action == "promotion.deny");
        Assert.Contains("latency regression", deny.Details);
    }

    [Fact]
    public async Task The_requester_can_cancel_but_nobody_else_except_an_admin()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0), (0.92, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var other = await portal.CreateUser(PortalRoles.Approver);
        var request = await requester.Client.Requested(model, Production, 2);

        Assert.Contains("Only the requester", await (await other.Client.Cancel(request.Id)).Problem(HttpStatusCode.Forbidden));
        var cancelled = await (await requester.Client.Cancel(request.Id)).View();
        Assert.Equal("Cancelled", cancelled.State);
        Assert.Contains("not pending", await (await requester.Client.Cancel(request.Id)).Problem(HttpStatusCode.Conflict));
        Assert.Single(await AuditOf(portal, request.Id.ToString()), e => e.Action == "promotion.cancel" && e.Actor == requester.UserName);

        var next = await requester.Client.Requested(model, Production, 3);
        Assert.Equal("Cancelled", (await (await (await portal.AdminClient()).Cancel(next.Id)).View()).State);
        Assert.Equal(((int?)null, (int?)null), await Alias(portal, model, Production));
    }

    [Fact]
    public async Task A_requester_cannot_approve_their_own_request()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Approver);
        var request = await requester.Client.Requested(model, Production, 2);

        var detail = await (await requester.Client.Approve(request.Id)).Problem(HttpStatusCode.Forbidden);

        Assert.Contains("A requester cannot approve their own request", detail);
        Assert.Equal("Pending", (await requester.Client.Promotion(request.Id)).State);
    }

    [Fact]
    public async Task A_contributor_requester_is_told_why_they_cannot_decide_their_own_request()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var request = await requester.Client.Requested(model, Production, 2);

        Assert.Contains("A requester cannot approve their own request", await (await requester.Client.Approve(request.Id)).Problem(HttpStatusCode.Forbidden));
        Assert.Contains("A requester cannot decide their own request", await (await requester.Client.Deny(request.Id, "no")).Problem(HttpStatusCode.Forbidden));
        Assert.Equal("Pending", (await requester.Client.Promotion(request.Id)).State);
    }

    [Fact]
    public async Task A_contributor_who_did_not_ask_is_told_approving_takes_the_approver_role()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var request = await requester.Client.Requested(model, Production, 2);

        Assert.Contains("takes the role Approver", await (await contributor.Client.Approve(request.Id)).Problem(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task A_contributor_cannot_approve_or_deny()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var request = await requester.Client.Requested(model, Production, 2);

        Assert.Equal(HttpStatusCode.Forbidden, (await contributor.Client.Approve(request.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await contributor.Client.Deny(request.Id, "no")).StatusCode);
        Assert.Equal("Pending", (await contributor.Client.Promotion(request.Id)).State);
    }

    [Fact]
    public async Task A_viewer_cannot_request_a_promotion()
    {
        var model = await Model(portal, (0.90, 2.0));
        var viewer = await portal.CreateUser(PortalRoles.Viewer);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Client.RequestPromotion(model, Production, 1)).StatusCode);
    }

    [Fact]
    public async Task A_policy_that_wants_an_admin_refuses_an_approver()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        (await (await portal.AdminClient()).PutPolicy(model, new { approverRole = "Admin" })).EnsureSuccessStatusCode();
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var request = await requester.Client.Requested(model, Production, 2);

        Assert.Contains("takes the role Admin", await (await approver.Client.Approve(request.Id)).Problem(HttpStatusCode.Forbidden));
        Assert.Equal("Approved", (await (await (await portal.AdminClient()).Approve(request.Id)).View()).State);
    }

    [Fact]
    public async Task A_second_pending_request_for_the_same_alias_conflicts()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0), (0.92, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var first = await requester.Client.Requested(model, Production, 2);

        var detail = await (await requester.Client.RequestPromotion(model, Production, 3)).Problem(HttpStatusCode.Conflict);

        Assert.Contains(first.Id.ToString(), detail);
        Assert.Contains("already pending", detail);
    }

    [Fact]
    public async Task Requesting_the_version_that_already_holds_the_alias_conflicts()
    {
        var model = await Model(portal, (0.90, 2.0));
        await Hold(portal, model, Production, 1);
        var requester = await portal.CreateUser(PortalRoles.Contributor);

        Assert.Contains("already holds", await (await requester.Client.RequestPromotion(model, Production, 1)).Problem(HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task An_unprotected_alias_is_moved_directly_not_by_request()
    {
        var model = await Model(portal, (0.90, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);

        var detail = await (await requester.Client.RequestPromotion(model, "staging", 1)).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("not protected", detail);
        Assert.Contains("move it directly", detail);
    }

    [Fact]
    public async Task Unknown_models_and_versions_are_not_found()
    {
        var model = await Model(portal, (0.90, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);

        Assert.Contains("No model", await (await requester.Client.RequestPromotion("no-such-model", Production, 1)).Problem(HttpStatusCode.NotFound));
        Assert.Contains("no version 7", await (await requester.Client.RequestPromotion(model, Production, 7)).Problem(HttpStatusCode.NotFound));
        Assert.Equal(HttpStatusCode.NotFound, (await requester.Client.GetAsync($"/api/v1/promotions/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Approval_after_the_alias_moved_elsewhere_conflicts()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0), (0.92, 2.0));
        await Hold(portal, model, Production, 1);
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);
        var request = await requester.Client.Requested(model, Production, 2);
        await Hold(portal, model, Production, 3);

        Assert.Contains("has moved", await (await approver.Client.Approve(request.Id)).Problem(HttpStatusCode.Conflict));
        Assert.Equal((3, 1), await Alias(portal, model, Production));
    }

    [Fact]
    public async Task The_list_filters_by_state_and_model_newest_first_in_pages()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0), (0.92, 2.0));
        var requester = await portal.CreateUser(PortalRoles.Contributor);
        var cancelled = await requester.Client.Requested(model, Production, 2);
        await requester.Client.Cancel(cancelled.Id);
        var pending = await requester.Client.Requested(model, Production, 3);
        var viewer = await portal.CreateUser(PortalRoles.Viewer);

        var all = await (await viewer.Client.GetAsync($"/api/v1/promotions?model={model}")).Read<Page<PromotionView>>();
        Assert.Equal([pending.Id, cancelled.Id], all.Items.Select(p => p.Id));
        var onlyPending = await (await viewer.Client.GetAsync($"/api/v1/promotions?model={model}&state=pending")).Read<Page<PromotionView>>();
        Assert.Equal(pending.Id, Assert.Single(onlyPending.Items).Id);
        var page = await (await viewer.Client.GetAsync($"/api/v1/promotions?model={model}&limit=1&offset=1")).Read<Page<PromotionView>>();
        Assert.Equal((2, cancelled.Id), (page.Total, Assert.Single(page.Items).Id));
        Assert.Contains("state 'done'", await (await viewer.Client.GetAsync("/api/v1/promotions?state=done")).Problem(HttpStatusCode.BadRequest));
    }
}
