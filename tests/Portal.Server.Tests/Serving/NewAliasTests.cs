using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Serving;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class NewAliasTests(ServingPortal portal)
{
    [Fact]
    public async Task A_new_alias_is_listed_as_loading_from_the_moment_its_move_is_saved_then_serves()
    {
        var model = await portal.CreateModel(2);
        var deployments = portal.Services.GetRequiredService<DeploymentSet>();

        await portal.Hold(model, "staging", 2);

        // No wait for the background load: the move's save itself lists the deployment.
        Assert.NotNull(deployments.Find(model, "staging"));
        var response = await portal.Viewer.GetAsync($"/api/v1/deployments/{model}/staging");
        await response.AssertStatus(HttpStatusCode.OK);
        var view = await response.ReadJson<DeploymentView>();
        Assert.Equal("staging", view.Alias);
        Assert.Null(view.Problem);

        await portal.WaitServed(model, "staging", 2);
        Assert.Equal(2, (await portal.Viewer.Deployment(model, "staging")).Version!.Number);
    }
}
