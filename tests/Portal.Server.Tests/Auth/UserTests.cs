using System.Net;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

public sealed class UserTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task An_admin_creates_a_user_who_can_sign_in_with_the_given_role()
    {
        var admin = await portal.AdminClient();
        var created = await (await admin.PostJson("/api/v1/users", new CreateUserRequest("grace", "correct horse battery", "approver")))
            .ReadJson<UserView>(HttpStatusCode.Created);
        Assert.Equal("grace", created.UserName);
        Assert.Equal(PortalRoles.Approver, created.Role);
        Assert.False(created.Disabled);

        var client = await portal.SignIn("grace", "correct horse battery");
        Assert.Equal([PortalRoles.Approver], (await client.GetJson<Me>("/api/v1/auth/me")).Roles);
        Assert.Contains((await admin.GetJson<Page<UserView>>("/api/v1/users?limit=500")).Items, u => u.Id == created.Id);
    }

    [Theory]
    [InlineData(PortalRoles.Viewer)]
    [InlineData(PortalRoles.Contributor)]
    [InlineData(PortalRoles.Approver)]
    public async Task Only_an_admin_may_list_create_or_change_users(string role)
    {
        var caller = await portal.CreateUser(role);
        var victim = await portal.CreateUser(PortalRoles.Viewer);

        Assert.Equal(HttpStatusCode.Forbidden, (await caller.Client.GetAsync("/api/v1/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await caller.Client.PostJson("/api/v1/users", new CreateUserRequest($"made-by-{caller.UserName}", "long enough password", PortalRoles.Admin))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await caller.Client.PutJson($"/api/v1/users/{caller.Id}/role", new ChangeRoleRequest(PortalRoles.Admin))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await caller.Client.PutJson($"/api/v1/users/{victim.Id}/role", new ChangeRoleRequest(PortalRoles.Admin))).StatusCode);

        Assert.Equal([role], (await caller.Client.GetJson<Me>("/api/v1/auth/me")).Roles);
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in_or_use_their_key_until_enabled_again()
    {
        var admin = await portal.AdminClient();
        var user = await portal.CreateUser(PortalRoles.Contributor);

        var disabled = await (await admin.PutJson($"/api/v1/users/{user.Id}/access", new AccessRequest(true))).ReadJson<UserView>(HttpStatusCode.OK);
        Assert.True(disabled.Disabled);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/v1/auth/me")).StatusCode);
        var signIn = await portal.AnonymousClient().PostJson("/api/v1/auth/sign-in", new SignInRequest(user.UserName, user.Password));
        await signIn.AssertProblem(HttpStatusCode.Forbidden, "disabled");

        await (await admin.PutJson($"/api/v1/users/{user.Id}/access", new AccessRequest(false))).AssertStatus(HttpStatusCode.OK);
        await (await user.Client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);
        await portal.SignIn(user.UserName, user.Password);
    }

    [Fact]
    public async Task An_admin_cannot_disable_themselves()
    {
        var admin = await portal.AdminClient();
        var me = await admin.GetJson<Me>("/api/v1/auth/me");
        await (await admin.PutJson($"/api/v1/users/{me.Id}/access", new AccessRequest(true))).AssertProblem(HttpStatusCode.Conflict, "cannot disable yourself");
    }

    [Fact]
    public async Task A_short_password_is_400_naming_the_rule()
    {
        var response = await (await portal.AdminClient()).PostJson("/api/v1/users", new CreateUserRequest("shorty", "elevenchars", PortalRoles.Viewer));
        await response.AssertProblem(HttpStatusCode.BadRequest, "at least 12 characters");
    }

    [Fact]
    public async Task A_long_password_needs_no_digits_or_symbols()
    {
        var response = await (await portal.AdminClient()).PostJson("/api/v1/users", new CreateUserRequest("plain", "twelve chars", PortalRoles.Viewer));
        await response.AssertStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_duplicate_user_name_is_409()
    {
        var existing = await portal.CreateUser(PortalRoles.Viewer);
        var response = await (await portal.AdminClient()).PostJson("/api/v1/users", new CreateUserRequest(existing.UserName, "another long password", PortalRoles.Admin));
        await response.AssertProblem(HttpStatusCode.Conflict, existing.UserName);
    }

    [Fact]
    public async Task An_unknown_role_is_400_listing_the_roles()
    {
        var admin = await portal.AdminClient();
        var create = await admin.PostJson("/api/v1/users", new CreateUserRequest("rooted", "long enough password", "root"));
        await create.AssertProblem(HttpStatusCode.BadRequest, "'root' is not a role", "Viewer, Contributor, Approver, Admin");

        var user = await portal.CreateUser(PortalRoles.Viewer);
        var change = await admin.PutJson($"/api/v1/users/{user.Id}/role", new ChangeRoleRequest("superuser"));
        await change.AssertProblem(HttpStatusCode.BadRequest, "'superuser' is not a role");
    }

    [Fact]
    public async Task A_role_change_applies_to_the_users_existing_key_at_once()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.GetAsync("/api/v1/users")).StatusCode);

        var changed = await (await (await portal.AdminClient()).PutJson($"/api/v1/users/{user.Id}/role", new ChangeRoleRequest("ADMIN")))
            .ReadJson<UserView>();
        Assert.Equal(PortalRoles.Admin, changed.Role);

        Assert.Equal([PortalRoles.Admin], (await user.Client.GetJson<Me>("/api/v1/auth/me")).Roles);
        await (await user.Client.GetAsync("/api/v1/users")).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Changing_the_role_of_an_unknown_user_is_404()
    {
        var response = await (await portal.AdminClient()).PutJson("/api/v1/users/no-such-id/role", new ChangeRoleRequest(PortalRoles.Viewer));
        await response.AssertProblem(HttpStatusCode.NotFound, "no-such-id");
    }
}
