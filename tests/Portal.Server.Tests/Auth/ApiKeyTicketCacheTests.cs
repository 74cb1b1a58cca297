using System.Net;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>Keys that just authenticated are remembered for a moment, but revocation, role changes and expiry still apply at once.</summary>
public sealed class ApiKeyTicketCacheTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_key_revoked_right_after_it_authenticated_is_401_on_its_next_request()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var admin = await portal.AdminClient();
        await (await user.Client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);
        var key = (await admin.GetJson<Page<KeyView>>("/api/v1/api-keys?all=true&limit=500")).Items.Single(k => k.UserId == user.Id);

        await (await admin.DeleteAsync($"/api/v1/api-keys/{key.Id}")).AssertStatus(HttpStatusCode.NoContent);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_role_change_applies_to_the_very_next_request_of_a_key_that_just_authenticated()
    {
        var user = await portal.CreateUser(PortalRoles.Approver);
        var admin = await portal.AdminClient();
        Assert.NotEqual(HttpStatusCode.Forbidden, (await user.Client.PostJson($"/api/v1/promotions/{Guid.NewGuid()}/deny", new { comment = "no" })).StatusCode);

        await (await admin.PutJson($"/api/v1/users/{user.Id}/role", new ChangeRoleRequest(PortalRoles.Viewer))).AssertStatus(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.PostJson($"/api/v1/promotions/{Guid.NewGuid()}/deny", new { comment = "no" })).StatusCode);
    }

    [Fact]
    public async Task A_remembered_key_is_not_honoured_past_its_expiry()
    {
        await using var own = new PortalFactory();
        var user = await own.CreateUser(PortalRoles.Viewer);
        var shortLived = await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("short", 1, null)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);
        var client = own.ClientWithKey(shortLived.Secret);
        await (await client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);

        own.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/me")).StatusCode);
    }
}
