using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

public sealed class StartupLoadTests
{
    [Fact]
    public async Task After_a_restart_every_alias_and_its_canary_are_served_before_the_first_request()
    {
        using var storage = TestStorage.Sqlite();
        string model;
        await using (var first = PortalFactory.On(storage))
        {
            model = await ServingPortal.CreateModelIn(first, 3, ("production", 1), ("staging", 3));
            var approver = await first.CreateClientAs("Approver");
            await (await approver.PutCanary(model, 2, 25)).AssertStatus(HttpStatusCode.OK);
        }

        await using var second = PortalFactory.On(storage);
        var deployments = second.Services.GetRequiredService<DeploymentSet>();

        // No waiting: the start-up task loads every alias before the server takes requests.
        Assert.True(deployments.StartedUp);
        var production = deployments.Find(model, "production")!.Current;
        Assert.Equal(1, production.Primary!.Number);
        Assert.Equal(2, production.Canary!.Number);
        Assert.Equal(25, production.CanaryPercent);
        Assert.Equal(3, deployments.Find(model, "staging")!.Current.Primary!.Number);
        var viewer = await second.CreateClientAs("Viewer");
        var row = InferCalls.Row(2);
        var (version, rows, _) = await (await viewer.Infer($"/v2/models/{model}/infer?alias=staging", InferCalls.Body([row]))).Outputs();
        Assert.Equal(3, version);
        InferCalls.AssertRow(ServingPortal.Expected(3, row), rows[0]);
    }
}
