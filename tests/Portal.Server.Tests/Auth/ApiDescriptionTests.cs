using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>
/// What a client reads before it can sign in: the OpenAPI document, describing every /api/v1 endpoint mapped
/// (features added later included), and the reference page. Who may call what is Security/EndpointRoleMatrixTests.
/// </summary>
public sealed partial class ApiDescriptionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_openapi_document_is_served_anonymously_and_describes_every_api_endpoint()
    {
        var response = await portal.AnonymousClient().GetAsync("/openapi/v1.json");
        await response.AssertStatus(HttpStatusCode.OK);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.RootElement.GetProperty("paths");

        var described = Endpoints().Where(e => e.Endpoint.RoutePattern.RawText!.StartsWith("/api/v1", StringComparison.Ordinal)
            && e.Endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true }).ToList();
        Assert.NotEmpty(described);
        foreach (var (endpoint, method) in described)
        {
            var path = TemplateAsOpenApiPath(endpoint.RoutePattern.RawText!);
            Assert.True(paths.TryGetProperty(path, out var item), $"The OpenAPI document has no path {path}");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out _), $"The OpenAPI document has no {method} on {path}");
        }
    }

    [Fact]
    public async Task The_api_reference_page_and_its_scripts_are_served_anonymously()
    {
        var client = portal.AnonymousClient();
        var page = await client.GetAsync("/reference");
        await page.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);

        var scripts = ScriptSource().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var url = new Uri(page.RequestMessage!.RequestUri!, script);
            var response = await client.GetAsync(url);
            await response.AssertStatus(HttpStatusCode.OK);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private List<(RouteEndpoint Endpoint, string Method)> Endpoints()
    {
        portal.AnonymousClient().Dispose(); // starts the server, so every endpoint is mapped
        return [.. portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (e, m)))];
    }

    private static string TemplateAsOpenApiPath(string template) =>
        "/" + RouteParameter().Replace(template.Trim('/'), m => "{" + m.Groups["name"].Value + "}");

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();

    [GeneratedRegex(@"\{\**(?<name>\w+)(:(?<constraint>\w+)[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
