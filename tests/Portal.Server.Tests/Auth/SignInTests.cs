using System.Net;
using Portal.Contracts.Auth;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

public sealed class SignInTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Admin_signs_in_with_the_configured_password_and_the_cookie_authenticates_later_calls()
    {
        var client = portal.AnonymousClient();
        var response = await client.PostJson("/api/v1/auth/sign-in", new SignInRequest(PortalFactory.AdminUserName, PortalFactory.AdminPassword));
        var me = await response.ReadJson<Me>();
        Assert.Equal(PortalFactory.AdminUserName, me.UserName);
        Assert.Equal([PortalRoles.Admin], me.Roles);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("portal.auth=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        var again = await client.GetJson<Me>("/api/v1/auth/me");
        Assert.Equal(me.Id, again.Id);
        Assert.False(again.ViaApiKey);
    }

    [Fact]
    public async Task Wrong_password_is_401_and_sets_no_cookie()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var client = portal.AnonymousClient();
        var response = await client.PostJson("/api/v1/auth/sign-in", new SignInRequest(user.UserName, user.Password + "x"));
        await response.AssertProblem(HttpStatusCode.Unauthorized, "wrong password");
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Unknown_user_gets_the_same_401_as_a_wrong_password()
    {
        var response = await portal.AnonymousClient().PostJson("/api/v1/auth/sign-in", new SignInRequest("nobody-" + Guid.NewGuid(), "whatever-password"));
        await response.AssertProblem(HttpStatusCode.Unauthorized, "Unknown user name or wrong password");
    }

    [Fact]
    public async Task Signing_out_ends_the_cookie_session()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var client = await portal.SignIn(user.UserName, user.Password);
        await client.GetJson<Me>("/api/v1/auth/me");
        await (await client.PostAsync("/api/v1/auth/sign-out", null)).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task An_api_key_caller_is_told_it_came_by_key_with_its_users_roles()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var me = await user.Client.GetJson<Me>("/api/v1/auth/me");
        Assert.Equal(user.Id, me.Id);
        Assert.Equal(user.UserName, me.UserName);
        Assert.Equal([PortalRoles.Contributor], me.Roles);
        Assert.True(me.ViaApiKey);
    }
}
