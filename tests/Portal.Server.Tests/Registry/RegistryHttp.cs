using System.Net.Http.Json;
using System.Text.Json;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Server.Api;
using Portal.Server.Audit;

namespace Portal.Server.Tests.Registry;

/// <summary>Small readers of the responses the registry tests look into.</summary>
internal static class RegistryHttp
{
    public static async Task<string> ProblemDetail(this HttpResponseMessage response)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";
    }

    public static async Task<T> Read<T>(this HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    public static async Task<IReadOnlyList<AuditEventView>> AuditEvents(this HttpClient client, string action, string subjectId)
    {
        var page = await (await client.GetAsync($"/api/v1/audit?action={action}&subjectId={subjectId}")).Read<Page<AuditEventView>>();
        return page.Items;
    }
}
