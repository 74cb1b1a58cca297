using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

public sealed class RoleTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    public static TheoryData<string, string> Pairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (var held in PortalRoles.All)
            foreach (var required in PortalRoles.All) pairs.Add(held, required);
        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task A_role_passes_the_policy_of_its_own_rank_and_every_rank_below(string held, string required)
    {
        var authorization = portal.Services.GetRequiredService<IAuthorizationService>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone"), new Claim(ClaimTypes.Role, held)], "test"));
        var result = await authorization.AuthorizeAsync(user, PortalRoles.AtLeast(required));
        Assert.Equal(PortalRoles.Rank(held) >= PortalRoles.Rank(required), result.Succeeded);
    }

    [Fact]
    public async Task A_user_without_any_role_passes_no_policy()
    {
        var authorization = portal.Services.GetRequiredService<IAuthorizationService>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "nobody")], "test"));
        foreach (var role in PortalRoles.All) Assert.False((await authorization.AuthorizeAsync(user, PortalRoles.AtLeast(role))).Succeeded, role);
    }

    [Fact]
    public void Role_names_are_case_insensitive_and_unknown_names_are_refused()
    {
        Assert.Equal(PortalRoles.Contributor, PortalRoles.Normalize("contributor"));
        Assert.Null(PortalRoles.Normalize("root"));
        Assert.Equal(-1, PortalRoles.Rank("root"));
        var error = Assert.Throws<ArgumentException>(() => PortalRoles.AtLeast("root"));
        Assert.Contains("'root'", error.Message, StringComparison.Ordinal);
    }
}
