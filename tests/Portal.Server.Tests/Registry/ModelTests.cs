using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Server.Api;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class ModelTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_contributor_creates_a_model_that_is_then_found_by_name_and_listed()
    {
        var name = $"created-{Guid.NewGuid():N}"[..16];

        var response = await fixture.Contributor.PostAsJsonAsync("/api/v1/models", new { name, description = "a classifier" });
        var created = await response.Read<ModelView>();
        var found = await (await fixture.Viewer.GetAsync($"/api/v1/models/{name}")).Read<ModelView>();
        var listed = await (await fixture.Viewer.GetAsync("/api/v1/models?limit=500")).Read<Page<ModelView>>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/v1/models/{name}", response.Headers.Location?.OriginalString);
        Assert.Equal(created, found with { Aliases = created.Aliases });
        Assert.Equal(0, found.VersionCount);
        Assert.Null(found.LatestVersion);
        Assert.Empty(found.Aliases);
        Assert.Equal(fixture.ContributorName, found.CreatedBy);
        Assert.Contains(listed.Items, m => m.Name == name && m.Description == "a classifier");
        Assert.Single(await fixture.Viewer.AuditEvents("model.create", created.Id.ToString()));
    }

    [Fact]
    public async Task Getting_or_creating_a_model_creates_it_once_and_then_finds_it()
    {
        var name = $"got-{Guid.NewGuid():N}"[..16];

        var created = await InScope(r => r.GetOrCreateModel(name, "from a run", "tests", default));
        var found = await InScope(r => r.GetOrCreateModel(name, "another description", "tests", default));

        Assert.Equal(created.Id, found.Id);
        Assert.Equal("from a run", found.Description);
        Assert.Single(await fixture.Viewer.AuditEvents("model.create", created.Id.ToString()));
    }

    [Fact]
    public async Task Getting_or_creating_a_model_by_another_case_of_an_existing_name_is_refused()
    {
        var name = await fixture.CreateModel("Cased");

        var refused = await Assert.ThrowsAsync<Refusal>(() => InScope(r => r.GetOrCreateModel(name.ToLowerInvariant(), null, "tests", default)));

        Assert.Equal(RefusalKind.Conflict, refused.Kind);
    }

    [Fact]
    public async Task Model_names_are_unique_regardless_of_case()
    {
        var name = await fixture.CreateModel("Unique");

        var again = await fixture.Contributor.PostAsJsonAsync("/api/v1/models", new { name = name.ToLowerInvariant() });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    public async Task A_model_name_that_cannot_sit_in_a_url_is_refused(string name)
    {
        var response = await fixture.Contributor.PostAsJsonAsync("/api/v1/models", new { name });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"'{name}'", await response.ProblemDetail());
    }

    [Fact]
    public async Task Viewers_read_but_do_not_create_and_strangers_do_neither()
    {
        using var anonymous = fixture.Portal.CreateClient();

        var asViewer = await fixture.Viewer.PostAsJsonAsync("/api/v1/models", new { name = "viewer-made" });
        var anonymousList = await anonymous.GetAsync("/api/v1/models");
        var viewerList = await fixture.Viewer.GetAsync("/api/v1/models");

        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousList.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viewerList.StatusCode);
    }

    [Fact]
    public async Task Models_list_in_pages_ordered_by_name()
    {
        var names = new[] { await fixture.CreateModel("page-a"), await fixture.CreateModel("page-b"), await fixture.CreateModel("page-c") };

        var all = await (await fixture.Viewer.GetAsync("/api/v1/models?limit=500")).Read<Page<ModelView>>();
        var second = await (await fixture.Viewer.GetAsync("/api/v1/models?offset=1&limit=1")).Read<Page<ModelView>>();

        Assert.Equal(all.Items.Select(m => m.Name).Order(StringComparer.Ordinal), all.Items.Select(m => m.Name));
        Assert.All(names, n => Assert.Contains(all.Items, m => m.Name == n));
        Assert.Equal(all.Items[1].Name, Assert.Single(second.Items).Name);
        Assert.Equal(all.Total, second.Total);
    }

    /// <summary>Calls the registry in a scope of its own, as a page does.</summary>
    private async Task<T> InScope<T>(Func<ModelRegistry, Task<T>> call)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<ModelRegistry>());
    }
}
