using System.Net;
using System.Net.Http.Json;
using Portal.Contracts.Registry;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class TagTests(RegistryFixture fixture)
{
    [Fact]
    public async Task Tags_are_set_replaced_and_removed_and_each_change_is_audited()
    {
        var model = await fixture.CreateModel("tags");
        var version = await fixture.RegisterFromRun(model);
        var url = $"/api/v1/models/{model}/versions/1/tags";

        var set = await (await fixture.Contributor.PutAsJsonAsync($"{url}/dataset.split", new { value = "v1" })).Read<TagView>();
        await (await fixture.Contributor.PutAsJsonAsync($"{url}/owner", new { value = "vision-team" })).Read<TagView>();
        await (await fixture.Contributor.PutAsJsonAsync($"{url}/dataset.split", new { value = "v2" })).Read<TagView>();
        var tagged = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}/versions/1")).Read<VersionView>();
        var removed = await fixture.Contributor.DeleteAsync($"{url}/owner");
        var removedAgain = await fixture.Contributor.DeleteAsync($"{url}/owner");
        var after = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}/versions/1")).Read<VersionView>();

        Assert.Equal(new TagView("dataset.split", "v1"), set);
        Assert.Equal(new Dictionary<string, string> { ["dataset.split"] = "v2", ["owner"] = "vision-team" }, tagged.Tags);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, removedAgain.StatusCode);
        Assert.Equal(new Dictionary<string, string> { ["dataset.split"] = "v2" }, after.Tags);
        var tagEvents = await fixture.Viewer.AuditEvents("version.tag", version.Id.ToString());
        Assert.Equal(3, tagEvents.Count);
        Assert.Contains("\"previous\":\"v1\"", tagEvents[0].Details);
        var untag = Assert.Single(await fixture.Viewer.AuditEvents("version.untag", version.Id.ToString()));
        Assert.Equal(fixture.ContributorName, untag.Actor);
    }

    [Fact]
    public async Task A_tag_key_with_characters_outside_the_rule_is_refused()
    {
        var model = await fixture.CreateModel("tag-key");
        await fixture.RegisterFromRun(model);

        var response = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/versions/1/tags/has%20space", new { value = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'has space'", await response.ProblemDetail());
    }

    [Fact]
    public async Task A_viewer_cannot_tag_and_an_unknown_version_cannot_be_tagged()
    {
        var model = await fixture.CreateModel("tag-roles");
        await fixture.RegisterFromRun(model);

        var asViewer = await fixture.Viewer.PutAsJsonAsync($"/api/v1/models/{model}/versions/1/tags/owner", new { value = "me" });
        var unknown = await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/versions/9/tags/owner", new { value = "me" });

        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
