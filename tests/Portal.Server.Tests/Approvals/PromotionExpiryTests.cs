using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;
using static Portal.Server.Tests.Approvals.ModelSeed;

namespace Portal.Server.Tests.Approvals;

/// <summary>Expiry, with the portal's clock moved forward; this class has a portal (and clock) of its own.</summary>
public sealed class PromotionExpiryTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Production = "production";

    [Fact]
    public async Task A_pending_request_expires_after_the_policy_lifetime()
    {
        var (model, request) = await PendingRequest(lifetimeHours: 2);
        var viewer = await portal.CreateUser(PortalRoles.Viewer);
        Assert.Equal(request.CreatedAt.AddHours(2), request.ExpiresAt);

        portal.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        var expired = await viewer.Client.Promotion(request.Id);

        Assert.Equal("Expired", expired.State);
        Assert.NotNull(expired.ClosedAt);
        var expiry = Assert.Single(await AuditOf(portal, request.Id.ToString()), e => e.Action == "promotion.expire");
        Assert.Equal(PromotionService.SystemActor, expiry.Actor);
        Assert.Equal((1, (int?)null), await Alias(portal, model, Production));
    }

    [Fact]
    public async Task An_expired_request_can_no_longer_be_approved()
    {
        var (model, request) = await PendingRequest(lifetimeHours: 1);
        var approver = await portal.CreateUser(PortalRoles.Approver);

        portal.Clock.Advance(TimeSpan.FromHours(1));
        var detail = await (await approver.Client.Approve(request.Id)).Problem(HttpStatusCode.Conflict);

        Assert.Contains("expired", detail);
        Assert.Equal("Expired", (await approver.Client.Promotion(request.Id)).State);
        Assert.Equal((1, (int?)null), await Alias(portal, model, Production));
        Assert.DoesNotContain(await AuditOf(portal, request.Id.ToString()), e => e.Action == "promotion.approve");
    }

    [Fact]
    public async Task An_expired_request_frees_the_alias_for_a_new_request()
    {
        var (model, _) = await PendingRequest(lifetimeHours: 1);
        var requester = await portal.CreateUser(PortalRoles.Contributor);

        portal.Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal("Pending", (await requester.Client.Requested(model, Production, 2)).State);
    }

    [Fact]
    public async Task The_sweep_expires_every_overdue_request_once()
    {
        var (_, first) = await PendingRequest(lifetimeHours: 1);
        var (_, second) = await PendingRequest(lifetimeHours: 1);
        var (_, lasting) = await PendingRequest(lifetimeHours: 48);

        portal.Clock.Advance(TimeSpan.FromHours(1));
        await using var scope = portal.Services.CreateAsyncScope();
        var promotions = scope.ServiceProvider.GetRequiredService<PromotionService>();

        Assert.True(await promotions.ExpireOverdue(default) >= 2);
        Assert.Equal(0, await promotions.ExpireOverdue(default));
        var viewer = await portal.CreateUser(PortalRoles.Viewer);
        Assert.Equal("Expired", (await viewer.Client.Promotion(first.Id)).State);
        Assert.Equal("Expired", (await viewer.Client.Promotion(second.Id)).State);
        Assert.Equal("Pending", (await viewer.Client.Promotion(lasting.Id)).State);
    }

    private async Task<(string Model, PromotionView Request)> PendingRequest(int lifetimeHours)
    {
        var model = await Model(portal, (0.90, 2.0), (0.91, 2.0));
        await Hold(portal, model, Production, 1);
        (await (await portal.AdminClient()).PutPolicy(model, new { requestLifetimeHours = lifetimeHours })).EnsureSuccessStatusCode();
        var request = await (await portal.CreateUser(PortalRoles.Contributor)).Client.Requested(model, Production, 2);
        return (model, request);
    }
}
