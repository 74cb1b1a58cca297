using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Server.Api;
using Portal.Server.Approvals;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class AliasTests(RegistryFixture fixture)
{
    [Fact]
    public async Task Staging_moves_directly_and_the_move_is_audited()
    {
        var model = await fixture.CreateModel("staging");
        var version = await fixture.RegisterFromRun(model);

        var moved = await (await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/staging", new { version = 1 })).Read<AliasView>();
        var listed = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}/aliases")).Read<List<AliasView>>();
        var modelView = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}")).Read<ModelView>();
        var versionView = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}/versions/1")).Read<VersionView>();

        Assert.Equal("staging", moved.Alias);
        Assert.Equal(1, moved.Version);
        Assert.Equal(version.Id, moved.VersionId);
        Assert.Equal(fixture.ContributorName, moved.By);
        Assert.False(moved.Protected);
        Assert.Equal([moved], listed);
        Assert.Equal([moved], modelView.Aliases);
        Assert.Equal(["staging"], versionView.Aliases);
        var audit = Assert.Single(await fixture.Viewer.AuditEvents("alias.move", modelView.Id.ToString()));
        Assert.Equal(fixture.ContributorName, audit.Actor);
        Assert.Contains("\"alias\":\"staging\"", audit.Details);
        Assert.Contains(version.Id.ToString(), audit.Details);
    }

    [Fact]
    public async Task Production_is_protected_by_default_and_needs_a_promotion_request()
    {
        var model = await fixture.CreateModel("production");
        await fixture.RegisterFromRun(model);

        var response = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/production", new { version = 1 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("promotion request", await response.ProblemDetail());
        Assert.Empty(await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}/aliases")).Read<List<AliasView>>());
    }

    [Fact]
    public async Task A_stored_policy_decides_which_aliases_are_protected()
    {
        var model = await fixture.CreateModel("policy");
        await fixture.RegisterFromRun(model);
        var modelId = (await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}")).Read<ModelView>()).Id;
        using (var scope = fixture.Portal.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            db.PromotionPolicies.Add(new PromotionPolicy { ModelId = modelId, ProtectedAliases = ["gold"] });
            await db.SaveChangesAsync();
        }

        var gold = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/gold", new { version = 1 });
        var production = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/production", new { version = 1 });

        Assert.Equal(HttpStatusCode.Conflict, gold.StatusCode);
        Assert.Equal(HttpStatusCode.OK, production.StatusCode);
    }

    [Fact]
    public async Task Alias_names_and_versions_are_checked()
    {
        var model = await fixture.CreateModel("alias-checks");
        await fixture.RegisterFromRun(model);

        var badName = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/Canary_EU", new { version = 1 });
        var unknownVersion = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/canary", new { version = 5 });
        var asViewer = await fixture.Viewer.PutAsJsonAsync($"/api/v1/models/{model}/aliases/canary", new { version = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Contains("'Canary_EU'", await badName.ProblemDetail());
        Assert.Equal(HttpStatusCode.NotFound, unknownVersion.StatusCode);
        Assert.Contains("no version 5", await unknownVersion.ProblemDetail());
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
    }

    [Fact]
    public async Task The_history_of_an_alias_says_which_version_held_it_when_and_who_moved_it()
    {
        var model = await fixture.CreateModel("history");
        var v1 = await fixture.RegisterFromRun(model);
        var v2 = await fixture.RegisterFromRun(model);
        var otherUser = await fixture.Portal.CreateUser("Contributor");
        var (other, otherName) = (otherUser.Client, otherUser.UserName);
        var url = $"/api/v1/models/{model}/aliases/canary-eu";

        await (await fixture.Contributor.PutAsJsonAsync(url, new { version = 1 })).Read<AliasView>();
        await (await other.PutAsJsonAsync(url, new { version = 2 })).Read<AliasView>();
        await (await fixture.Contributor.PutAsJsonAsync(url, new { version = 2 })).Read<AliasView>(); // already there: no new stretch
        await (await fixture.Contributor.PutAsJsonAsync(url, new { version = 1 })).Read<AliasView>();
        await (await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/staging", new { version = 2 })).Read<AliasView>();

        var history = await (await fixture.Viewer.GetAsync($"{url}/history")).Read<Page<AliasStretchView>>();

        Assert.Equal(3, history.Total);
        Assert.Equal([1, 2, 1], history.Items.Select(s => s.Version));
        Assert.Equal([v1.Id, v2.Id, v1.Id], history.Items.Select(s => s.VersionId));
        Assert.Equal([fixture.ContributorName, otherName, fixture.ContributorName], history.Items.Select(s => s.AssignedBy));
        Assert.All(history.Items, s => Assert.Equal("Direct", s.Reason));
        Assert.Null(history.Items[0].Until);
        // Each stretch ends the moment the next one begins: no gaps, no overlaps.
        Assert.Equal(history.Items[0].Since, history.Items[1].Until);
        Assert.Equal(history.Items[1].Since, history.Items[2].Until);
        Assert.True(history.Items[2].Since < history.Items[1].Since);
        var paged = await (await fixture.Viewer.GetAsync($"{url}/history?offset=1&limit=1")).Read<Page<AliasStretchView>>();
        Assert.Equal(2, Assert.Single(paged.Items).Version);
    }
}
