using System.Net;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Approvals.ModelSeed;

namespace Portal.Server.Tests.Approvals;

/// <summary>Two decisions on one request at once: exactly one applies.</summary>
public sealed class PromotionConcurrencyTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Production = "production";

    [Fact]
    public async Task Two_simultaneous_approvals_apply_once_and_the_other_gets_a_conflict()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        var request = await (await portal.CreateUser(PortalRoles.Contributor)).Client.Requested(model, Production, 2);
        var first = await portal.CreateUser(PortalRoles.Approver);
        var second = await portal.CreateUser(PortalRoles.Approver);

        var responses = await Task.WhenAll(first.Client.Approve(request.Id), second.Client.Approve(request.Id));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        await AssertAppliedOnce(model, request.Id);
        var chain = await (await portal.AdminClient()).GetAsync("/api/v1/audit/verify");
        Assert.True((await chain.Read<Portal.Server.Audit.AuditChainReport>()).Valid);
    }

    [Fact]
    public async Task Two_requests_for_one_alias_made_at_once_leave_exactly_one_pending()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0), (0.92, 2.0));
        await Hold(portal, model, Production, 1);
        var first = await portal.CreateUser(PortalRoles.Contributor);
        var second = await portal.CreateUser(PortalRoles.Contributor);

        // The service checks for a pending request before it inserts; the database's unique index settles a tie.
        var responses = await Task.WhenAll(first.Client.RequestPromotion(model, Production, 2), second.Client.RequestPromotion(model, Production, 3));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        Assert.Contains("pending", await responses.Single(r => r.StatusCode == HttpStatusCode.Conflict).Problem(HttpStatusCode.Conflict));
        var modelId = await ModelId(portal, model);
        Assert.Equal(1, await portal.InDatabase(db => db.PromotionRequests.CountAsync(r => r.ModelId == modelId && r.State == PromotionState.Pending)));
    }

    /// <summary>
    /// Forces the interleaving the HTTP test can only hope for: the loser read the request while it was pending,
    /// then the winner saved, then the loser saves with the stale concurrency stamp.
    /// </summary>
    [Fact]
    public async Task A_decision_made_on_a_stale_read_is_refused_by_the_concurrency_stamp()
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        var request = await (await portal.CreateUser(PortalRoles.Contributor)).Client.Requested(model, Production, 2);

        await using var loserScope = portal.Services.CreateAsyncScope();
        var loserDb = loserScope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var stale = await loserDb.PromotionRequests.SingleAsync(r => r.Id == request.Id);
        await loserDb.Aliases.SingleAsync(a => a.ModelId == stale.ModelId && a.Name == Production);

        await using (var winnerScope = portal.Services.CreateAsyncScope())
        {
            var won = await winnerScope.ServiceProvider.GetRequiredService<PromotionService>()
                .Approve(request.Id, new ApprovalInput("first", null), Approver("winner"), default);
            Assert.Equal("Approved", won.State);
        }

        Assert.Equal(PromotionState.Pending, stale.State);
        var lost = await Assert.ThrowsAsync<Refusal>(() => loserScope.ServiceProvider.GetRequiredService<PromotionService>()
            .Approve(request.Id, new ApprovalInput("second", null), Approver("loser"), default));

        Assert.Equal(RefusalKind.Conflict, lost.Kind);
        Assert.Contains("Someone else decided", lost.Message);
        await AssertAppliedOnce(model, request.Id);
        var decisions = await portal.InDatabase(db => db.PromotionDecisions.Where(d => d.RequestId == request.Id).ToListAsync());
        Assert.Equal("winner", Assert.Single(decisions).DecidedBy);

        // The refused save must not hold up the next audited change.
        var next = (await portal.CreateUser(PortalRoles.Approver)).Client.Rollback(model, Production);
        Assert.Same(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.Equal(HttpStatusCode.OK, (await next).StatusCode);
    }

    private static CurrentUser Approver(string name) => new(new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, PortalRoles.Approver)], "test")));

    private async Task AssertAppliedOnce(string model, Guid requestId)
    {
        Assert.Single(await Assignments(portal, model, Production), a => a.Reason == AliasMoveReason.Promotion);
        Assert.Single(await AuditOf(portal, requestId.ToString()), e => e.Action == "promotion.approve");
        var moves = await AuditOf(portal, (await ModelId(portal, model)).ToString());
        Assert.Single(moves, e => e.Action == "alias.move" && e.Details!.Contains(requestId.ToString()));
        Assert.Equal((2, 1), await Alias(portal, model, Production));
    }
}
