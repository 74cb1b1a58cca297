using System.Net;
using System.Text.Json;
using Portal.Contracts.Auth;
using Portal.Contracts.Registry;
using Portal.Server.Auth;
using Portal.Server.Registry;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Persistence;

/// <summary>Storage that refuses writes answers 503 naming the cause, readiness follows it, and reads go on.</summary>
public sealed class StorageFailureTests
{
    [Fact]
    public async Task Creating_a_model_on_a_read_only_database_answers_503_saying_the_database_is_read_only()
    {
        using var portal = new FaultyStoragePortal();
        var contributor = await portal.CreateClientAs(PortalRoles.Contributor);
        portal.Faults.Database = StorageFaults.DatabaseFault.ReadOnly;

        var response = await contributor.PostJson("/api/v1/models", new CreateModelRequest("read-only-model", null));

        var problem = await response.AssertProblem(HttpStatusCode.ServiceUnavailable, "database is read-only");
        Assert.DoesNotContain("Exception", problem.Detail);
    }

    [Fact]
    public async Task Creating_a_model_on_a_full_database_answers_503_saying_no_space_is_left()
    {
        using var portal = new FaultyStoragePortal();
        var contributor = await portal.CreateClientAs(PortalRoles.Contributor);
        portal.Faults.Database = StorageFaults.DatabaseFault.Full;

        var response = await contributor.PostJson("/api/v1/models", new CreateModelRequest("full-disk-model", null));

        await response.AssertProblem(HttpStatusCode.ServiceUnavailable, "no space is left on the data volume");
    }

    [Fact]
    public async Task Uploading_a_dataset_onto_a_full_data_volume_answers_503_saying_no_space_is_left()
    {
        using var portal = new FaultyStoragePortal();
        var contributor = await portal.CreateClientAs(PortalRoles.Contributor);
        var (images, labels) = IdxFiles.Separable(40, 4, 2, seed: 3);
        portal.Faults.VolumeFull = true;

        var response = await contributor.PostAsync("/api/v1/datasets/idx", Uploads.Idx("no-room", images, labels));

        await response.AssertProblem(HttpStatusCode.ServiceUnavailable, "no space is left on the data volume");
        portal.Faults.VolumeFull = false;
        var page = await contributor.GetJson<JsonElement>("/api/v1/datasets");
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), d => d.GetProperty("name").GetString() == "no-room");
    }

    [Fact]
    public async Task Signing_in_on_a_read_only_database_answers_503_saying_the_database_is_read_only()
    {
        using var portal = new FaultyStoragePortal();
        var user = await portal.CreateUser(PortalRoles.Viewer);
        portal.Faults.Database = StorageFaults.DatabaseFault.ReadOnly;

        var response = await portal.AnonymousClient().PostJson("/api/v1/auth/sign-in", new SignInRequest(user.UserName, user.Password));

        await response.AssertProblem(HttpStatusCode.ServiceUnavailable, "database is read-only");
    }

    [Fact]
    public async Task Reads_keep_working_while_the_database_is_read_only()
    {
        using var portal = new FaultyStoragePortal();
        var contributor = await portal.CreateClientAs(PortalRoles.Contributor);
        await (await contributor.PostJson("/api/v1/models", new CreateModelRequest("kept-model", null))).AssertStatus(HttpStatusCode.Created);
        portal.Faults.Database = StorageFaults.DatabaseFault.ReadOnly;
        await (await contributor.PostJson("/api/v1/models", new CreateModelRequest("refused-model", null))).AssertStatus(HttpStatusCode.ServiceUnavailable);

        var models = await contributor.GetJson<JsonElement>("/api/v1/models");

        Assert.Contains(models.GetProperty("items").EnumerateArray(), m => m.GetProperty("name").GetString() == "kept-model");
    }

    [Fact]
    public async Task Readiness_reports_not_ready_while_writes_fail_and_ready_once_a_write_succeeds()
    {
        using var portal = new FaultyStoragePortal();
        var contributor = await portal.CreateClientAs(PortalRoles.Contributor);
        var anonymous = portal.AnonymousClient();
        await (await anonymous.GetAsync("/v2/health/ready")).AssertStatus(HttpStatusCode.OK);
        portal.Faults.Database = StorageFaults.DatabaseFault.ReadOnly;
        await (await contributor.PostJson("/api/v1/models", new CreateModelRequest("refused", null))).AssertStatus(HttpStatusCode.ServiceUnavailable);

        var refused = await anonymous.GetAsync("/v2/health/ready");

        await refused.AssertStatus(HttpStatusCode.ServiceUnavailable);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.Contains("read-only", body.GetProperty("reason").GetString());

        portal.Faults.Database = StorageFaults.DatabaseFault.None;
        await (await anonymous.GetAsync("/v2/health/ready")).AssertStatus(HttpStatusCode.OK);
    }
}
