using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Training;

/// <summary>A JSON body that cannot be read is answered in the request's terms: the field at fault, never a .NET type.</summary>
public sealed class JsonBodyErrorTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<ProblemBody> Refused(string json, params string[] detail)
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        json = json.Replace("DATASET", (await Dataset(client)).ToString(), StringComparison.Ordinal);
        var response = await client.PostAsync("/api/v1/runs", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, detail);
        Assert.DoesNotMatch(@"\b(System|Portal|Microsoft)\.[A-Z]", problem.Detail!);
        Assert.DoesNotContain("CreateRunRequest", problem.Detail!, StringComparison.Ordinal);
        return problem;
    }

    /// <summary>A registered dataset (the built-in Fashion-MNIST), so that the options are what the request gets wrong.</summary>
    private static async Task<Guid> Dataset(HttpClient client)
    {
        using var page = JsonDocument.Parse(await client.GetStringAsync("/api/v1/datasets"));
        return page.RootElement.GetProperty("items")[0].GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Run_options_of_the_wrong_type_name_the_field_and_no_dotnet_type()
    {
        await Refused("""{"name":"r","datasetId":"DATASET","spec":"fashion-mlp","options":{"epochs":"many"}}""", "run options", "$.epochs");
        await Refused("""{"name":"r","datasetId":"DATASET","spec":"fashion-mlp","options":5}""", "run options");
    }

    [Fact]
    public async Task An_unknown_run_option_is_named()
    {
        await Refused("""{"name":"r","datasetId":"DATASET","spec":"fashion-mlp","options":{"epochz":3}}""", "'epochz' is not a known field");
    }

    [Fact]
    public async Task A_body_field_of_the_wrong_type_names_the_field_and_no_dotnet_type()
    {
        await Refused("""{"name":"r","datasetId":"not-a-guid","spec":"fashion-mlp"}""", "$.datasetId");
        await Refused("""{"name":"r",""", "request body");
    }
}
