using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Serving;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class CanaryTests(ServingPortal portal)
{
    [Fact]
    public async Task A_canary_takes_a_share_of_the_requests_and_each_version_has_its_own_metrics()
    {
        var model = await portal.CreateModel(2);

        var view = await (await portal.Approver.PutCanary(model, 2, 50)).ReadJson<DeploymentView>();
        Assert.Equal(2, view.Canary!.Version);
        Assert.Equal(50, view.Canary.Percent);

        var row = InferCalls.Row(3);
        var versions = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            var (version, rows, _) = await (await portal.Viewer.Infer(model, row)).Outputs();
            InferCalls.AssertRow(ServingPortal.Expected(version, row), rows[0]);
            versions.Add(version);
        }

        // At 50 %, 60 requests all landing on one side happens with probability 2⁻⁵⁹.
        Assert.Contains(1, versions);
        Assert.Contains(2, versions);
        var metrics = (await portal.Viewer.Deployment(model)).Metrics!.Versions;
        Assert.Equal(versions.Count(v => v == 1), metrics.Single(m => m.VersionNumber == 1 && !m.IsCanary).Requests);
        Assert.Equal(versions.Count(v => v == 2), metrics.Single(m => m.VersionNumber == 2 && m.IsCanary).Requests);
    }

    [Fact]
    public async Task Removing_the_canary_sends_everything_back_to_the_holder()
    {
        var model = await portal.CreateModel(2);
        await (await portal.Approver.PutCanary(model, 2, 90)).AssertStatus(HttpStatusCode.OK);

        var removed = await (await portal.Approver.DeleteAsync($"/api/v1/deployments/{model}/production/canary")).ReadJson<DeploymentView>();

        Assert.Null(removed.Canary);
        for (var i = 0; i < 10; i++) Assert.Equal(1, (await (await portal.Viewer.Infer(model, InferCalls.Row(i))).Outputs()).Version);
        var actions = await portal.InDatabase(db => db.AuditEvents.Where(e => e.Details!.Contains(model)).Select(e => e.Action).ToListAsync());
        Assert.Contains("deployment.canary", actions);
        Assert.Contains("deployment.canary.remove", actions);
    }

    [Fact]
    public async Task A_canary_needs_an_approver_another_version_and_a_share_below_100()
    {
        var model = await portal.CreateModel(2);

        Assert.Equal(HttpStatusCode.Forbidden, (await portal.Contributor.PutCanary(model, 2, 10)).StatusCode);
        Assert.Contains("already holds", await (await portal.Approver.PutCanary(model, 1, 10)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await portal.Approver.PutCanary(model, 2, 100)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.Approver.PutCanary(model, 7, 10)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.Approver.PutCanary("no-such-model", 2, 10)).StatusCode);
    }
}
