using Bunit;
using Portal.Server.Auth;
using Portal.Server.Compression;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Compression;

public sealed class CompressionLauncherTests : ComponentContext
{
    private IRenderedComponent<CompressionLauncher> Render(Server.Auth.CurrentUser user, CompressionForm form, IReadOnlyList<string>? problems = null, Action? launched = null) =>
        Context.Render<CompressionLauncher>(p => p
            .Add(c => c.User, user)
            .Add(c => c.Form, form)
            .Add(c => c.Version, 3)
            .Add(c => c.Problems, problems ?? [])
            .Add(c => c.OnLaunch, () => launched?.Invoke()));

    [Fact]
    public void A_viewer_sees_no_method_and_no_launch_button()
    {
        var launcher = Render(User("vera", PortalRoles.Viewer), new CompressionForm());
        Assert.Empty(launcher.FindAll("button"));
        Assert.Contains("needs the Contributor role", launcher.Find("#lab-read-only").TextContent);
    }

    [Theory]
    [InlineData(PortalRoles.Contributor)]
    [InlineData(PortalRoles.Approver)]
    [InlineData(PortalRoles.Admin)]
    public void A_contributor_and_up_may_launch(string role)
    {
        var launched = 0;
        var launcher = Render(User("dave", role), new CompressionForm(), launched: () => launched++);
        Assert.Empty(launcher.FindAll("#lab-read-only"));
        launcher.Find("button#lab-launch").Click();
        Assert.Equal(1, launched);
    }

    [Fact]
    public void Each_method_shows_only_its_own_settings()
    {
        var form = new CompressionForm { Method = CompressionMethod.QuantizeInt8 };
        var launcher = Render(User("dave", PortalRoles.Contributor), form);
        Assert.Single(launcher.FindAll("input#lab-calibration"));
        Assert.Empty(launcher.FindAll("input#lab-sparsity"));

        launcher.FindAll("#lab-method button").Single(b => b.TextContent.Contains("Prune (unstructured)")).Click();
        Assert.Equal(CompressionMethod.PruneUnstructured, form.Method);
        Assert.Single(launcher.FindAll("input#lab-sparsity"));
        Assert.Single(launcher.FindAll("input#lab-finetune"));
        Assert.Empty(launcher.FindAll("input#lab-calibration"));
    }

    [Fact]
    public void The_engines_refusal_is_shown_inline()
    {
        var launcher = Render(User("dave", PortalRoles.Contributor), new CompressionForm(), ["Calibration needs at least one sample, not 0."]);
        Assert.Equal("Calibration needs at least one sample, not 0.", launcher.Find(".lab-problem").TextContent.Trim());
    }
}
