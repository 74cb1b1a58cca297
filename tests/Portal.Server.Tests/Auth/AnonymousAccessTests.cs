using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>
/// Walks every mapped endpoint (features added later included): nothing under /api/v1 or /hubs answers an anonymous
/// caller but sign-in, each declares the role it requires, and the OpenAPI document describes them all.
/// </summary>
public sealed partial class AnonymousAccessTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly string[] s_protectedPrefixes = ["/api/v1", "/hubs"];

    [Fact]
    public async Task Every_api_and_hub_endpoint_but_sign_in_answers_an_anonymous_caller_401()
    {
        var client = portal.AnonymousClient();
        var checkedRoutes = new List<string>();
        foreach (var (endpoint, method) in Protected())
        {
            var url = Concrete(endpoint.RoutePattern.RawText!);
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {url} answered {(int)response.StatusCode} to an anonymous caller");
            checkedRoutes.Add($"{method} {url}");
        }
        Assert.Contains(checkedRoutes, r => r.StartsWith("GET /api/v1/audit", StringComparison.Ordinal));
        Assert.Contains(checkedRoutes, r => r.StartsWith("PUT /api/v1/users/", StringComparison.Ordinal));
    }

    [Fact]
    public void Sign_in_is_the_only_api_endpoint_open_to_anonymous_callers()
    {
        var open = Endpoints().Where(e => IsUnder(e.Endpoint) && e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => $"{e.Method} {e.Endpoint.RoutePattern.RawText}");
        Assert.Equal(["POST /api/v1/auth/sign-in"], open);
    }

    [Fact]
    public void Every_api_and_hub_endpoint_declares_the_least_role_it_admits()
    {
        var missing = Protected()
            .Where(e => !e.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy?.StartsWith("AtLeast", StringComparison.Ordinal) == true))
            .Select(e => $"{e.Method} {e.Endpoint.RoutePattern.RawText}")
            .ToList();
        Assert.True(missing.Count == 0, "These endpoints need .RequireAuthorization(PortalRoles.AtLeast(...)): " + string.Join(", ", missing));
    }

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

    private IEnumerable<(RouteEndpoint Endpoint, string Method)> Protected() =>
        Endpoints().Where(e => IsUnder(e.Endpoint) && e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null);

    private List<(RouteEndpoint Endpoint, string Method)> Endpoints()
    {
        portal.AnonymousClient().Dispose(); // starts the server, so every endpoint is mapped
        return [.. portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (e, m)))];
    }

    private static bool IsUnder(RouteEndpoint endpoint) =>
        s_protectedPrefixes.Any(p => ("/" + endpoint.RoutePattern.RawText!.TrimStart('/')).StartsWith(p, StringComparison.Ordinal));

    /// <summary>A URL that matches the template, with each parameter given a value its constraint accepts.</summary>
    private static string Concrete(string template) => "/" + RouteParameter().Replace(template.TrimStart('/'), m => m.Groups["constraint"].Value switch
    {
        "int" or "long" => "1",
        "bool" => "true",
        "guid" => Guid.NewGuid().ToString(),
        _ => "x1",
    });

    private static string TemplateAsOpenApiPath(string template) =>
        "/" + RouteParameter().Replace(template.Trim('/'), m => "{" + m.Groups["name"].Value + "}");

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();

    [GeneratedRegex(@"\{\**(?<name>\w+)(:(?<constraint>\w+)[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
