using Portal.Server.Auth;

namespace Portal.Ui.Tests.Components;

public sealed class CurrentUserTests
{
    [Fact]
    public void A_role_includes_the_rights_of_the_roles_below_it()
    {
        var approver = ComponentContextUsers.Make("ada", PortalRoles.Approver);
        Assert.True(approver.IsAtLeast(PortalRoles.Viewer));
        Assert.True(approver.IsAtLeast(PortalRoles.Contributor));
        Assert.True(approver.IsAtLeast(PortalRoles.Approver));
        Assert.False(approver.IsAtLeast(PortalRoles.Admin));
    }

    [Fact]
    public void Require_refuses_a_missing_role_by_name()
    {
        var viewer = ComponentContextUsers.Make("vera", PortalRoles.Viewer);
        var e = Assert.Throws<UnauthorizedAccessException>(() => viewer.Require(PortalRoles.Contributor));
        Assert.Equal("This needs the Contributor role; vera does not have it.", e.Message);
    }

    [Fact]
    public void The_page_policies_are_the_api_policies()
    {
        Assert.Equal(Server.Components.PagePolicies.Viewer, PortalRoles.AtLeast(PortalRoles.Viewer));
        Assert.Equal(Server.Components.PagePolicies.Contributor, PortalRoles.AtLeast(PortalRoles.Contributor));
        Assert.Equal(Server.Components.PagePolicies.Approver, PortalRoles.AtLeast(PortalRoles.Approver));
        Assert.Equal(Server.Components.PagePolicies.Admin, PortalRoles.AtLeast(PortalRoles.Admin));
    }
}
