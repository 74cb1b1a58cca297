using System.Net;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

public sealed class SignInTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Admin_signs_in_with_the_configured_password_and_the_cookie_authenticates_later_calls()
    {
        var client = portal.AnonymousClient();
        var response = await client.PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest(PortalFactory.AdminUserName, PortalFactory.AdminPassword));
        var me = await response.ReadJson<AuthApi.Me>();
        Assert.Equal(PortalFactory.AdminUserName, me.UserName);
        Assert.Equal([PortalRoles.Admin], me.Roles);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("portal.auth=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        var again = await client.GetJson<AuthApi.Me>("/api/v1/auth/me");
        Assert.Equal(me.Id, again.Id);
        Assert.False(again.ViaApiKey);
    }

    [Fact]
    public async Task Wrong_password_is_401_and_sets_no_cookie()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var client = portal.AnonymousClient();
        var response = await client.PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest(user.UserName, user.Password + "x"));
        await response.AssertProblem(HttpStatusCode.Unauthorized, "wrong password");
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Unknown_user_gets_the_same_401_as_a_wrong_password()
    {
        var response = await portal.AnonymousClient().PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest("nobody-" + Guid.NewGuid(), "whatever-password"));
        await response.AssertProblem(HttpStatusCode.Unauthorized, "Unknown user name or wrong password");
    }

    [Fact]
    public async Task Five_failed_sign_ins_lock_the_account_even_against_the_right_password()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var client = portal.AnonymousClient();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var failed = await client.PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest(user.UserName, $"wrong-password-{attempt}"));
            await failed.AssertProblem(HttpStatusCode.Unauthorized);
        }
        var fifth = await client.PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest(user.UserName, "wrong-password-5"));
        await fifth.AssertProblem(HttpStatusCode.Locked, "locked");

        var right = await client.PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest(user.UserName, user.Password));
        await right.AssertProblem(HttpStatusCode.Locked);
    }

    [Fact]
    public async Task A_locked_out_users_api_key_stops_working()
    {
        var user = await portal.CreateUser(PortalRoles.Approver);
        await user.Client.GetJson<AuthApi.Me>("/api/v1/auth/me");
        var client = portal.AnonymousClient();
        for (var attempt = 1; attempt <= 5; attempt++)
            await client.PostJson("/api/v1/auth/sign-in", new AuthApi.SignInRequest(user.UserName, "not-the-password"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/v1/auth/me")).StatusCode);
        var listed = await (await portal.AdminClient()).GetJson<Portal.Server.Api.Page<UsersApi.UserView>>("/api/v1/users?limit=500");
        Assert.True(listed.Items.Single(u => u.Id == user.Id).LockedOut);
    }

    [Fact]
    public async Task Signing_out_ends_the_cookie_session()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var client = await portal.SignIn(user.UserName, user.Password);
        await client.GetJson<AuthApi.Me>("/api/v1/auth/me");
        await (await client.PostAsync("/api/v1/auth/sign-out", null)).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task An_api_key_caller_is_told_it_came_by_key_with_its_users_roles()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var me = await user.Client.GetJson<AuthApi.Me>("/api/v1/auth/me");
        Assert.Equal(user.Id, me.Id);
        Assert.Equal(user.UserName, me.UserName);
        Assert.Equal([PortalRoles.Contributor], me.Roles);
        Assert.True(me.ViaApiKey);
    }
}
