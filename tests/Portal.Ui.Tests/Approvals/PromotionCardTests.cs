using Bunit;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Approvals;

public sealed class PromotionCardTests : ComponentContext
{
    private static PromotionView Request(string state = "Pending", string requestedBy = "carol", params DecisionView[] decisions) => new(
        Guid.NewGuid(), "fashion", "production", 2, 1, state, requestedBy, "better on shirts",
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(7), null, GatesPassed: false,
        [new GateResult("minAccuracy", "accuracy", 0.9, 0.88, false, "0.88 < 0.90")], decisions.Length, 1, decisions);

    private IRenderedComponent<PromotionCard> Render(PromotionView request, Server.Auth.CurrentUser user) =>
        Context.Render<PromotionCard>(p => p.Add(c => c.Request, request).Add(c => c.User, user));

    [Fact]
    public void An_approver_who_did_not_ask_may_approve_or_deny_but_not_cancel()
    {
        var card = Render(Request(), User("ada", PortalRoles.Approver));
        Assert.Single(card.FindAll("button.approve"));
        Assert.Single(card.FindAll("button.deny"));
        Assert.Empty(card.FindAll("button.cancel-request"));
    }

    [Fact]
    public void A_gate_without_its_measurement_is_shown_as_not_measured_and_not_passed()
    {
        var request = Request() with { Gates = [new GateResult("max-p95-latency", "ms", 5, null, false, "Not measured: Version 2 has no measured p95 latency", NotMeasured: true)] };

        var gate = Render(request, User("ada", PortalRoles.Approver)).Find(".gate-result");

        Assert.Equal(("false", "true"), (gate.GetAttribute("data-passed"), gate.GetAttribute("data-not-measured")));
        Assert.Contains("Not measured: Version 2", gate.TextContent);
    }

    [Fact]
    public void The_requester_may_cancel_but_never_decide_even_as_admin()
    {
        var card = Render(Request(requestedBy: "root"), User("root", PortalRoles.Admin));
        Assert.Empty(card.FindAll("button.approve"));
        Assert.Single(card.FindAll("button.cancel-request"));
    }

    [Fact]
    public void The_requester_is_told_why_they_cannot_approve_in_the_words_the_api_uses()
    {
        var card = Render(Request(requestedBy: "carol"), User("carol", PortalRoles.Contributor));
        Assert.Equal(PromotionService.OwnRequestApproval, card.Find(".own-request-note").TextContent.Trim());
        Assert.Empty(Render(Request(requestedBy: "carol"), User("ada", PortalRoles.Approver)).FindAll(".own-request-note"));
    }

    [Fact]
    public void A_contributor_who_did_not_ask_and_a_viewer_see_no_buttons()
    {
        Assert.Empty(Render(Request(), User("dave", PortalRoles.Contributor)).FindAll("button"));
        Assert.Empty(Render(Request(), User("vera", PortalRoles.Viewer)).FindAll("button"));
    }

    [Fact]
    public void An_approver_who_already_decided_and_a_closed_request_offer_nothing()
    {
        var decided = Request(decisions: new DecisionView("ada", "Approve", "ok", false, DateTimeOffset.UnixEpoch));
        Assert.Empty(Render(decided, User("ada", PortalRoles.Approver)).FindAll("button.approve"));
        Assert.Empty(Render(Request(state: "Approved"), User("bob", PortalRoles.Admin)).FindAll("button"));
    }

    [Fact]
    public void Gate_results_are_shown_with_their_verdict()
    {
        var card = Render(Request(), User("vera", PortalRoles.Viewer));
        var gate = card.Find(".gate-result");
        Assert.Equal("false", gate.GetAttribute("data-passed"));
        Assert.Contains("0.88 < 0.90", gate.TextContent);
        Assert.Contains("Gates failed", card.Markup);
    }

    [Fact]
    public void Approving_hands_over_the_comment()
    {
        string? given = null;
        var card = Context.Render<PromotionCard>(p => p
            .Add(c => c.Request, Request())
            .Add(c => c.User, User("ada", PortalRoles.Approver))
            .Add(c => c.Approve, (string? comment) => given = comment));
        card.Find("input").Change("looks good");
        card.Find("button.approve").Click();
        Assert.Equal("looks good", given);
    }
}
