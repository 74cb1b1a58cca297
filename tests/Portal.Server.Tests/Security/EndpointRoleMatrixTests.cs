using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Server.Tests.Security;

/// <summary>
/// Walks every endpoint the server maps, as each role and anonymously. The expected cell follows from the role the
/// endpoint declares: anonymous → 401, a lower role → 403, the declared role or higher → past authorisation (the
/// request then fails or succeeds on its merits: with made-up ids that is usually 400 or 404, never 401 or 403).
/// </summary>
public sealed class EndpointRoleMatrixTests(ITestOutputHelper output) : IDisposable
{
    // Deliberately public: signing in, the API description (and its page's assets) a client needs before it can sign in,
    // and the inference protocol's health probes (load balancers and orchestrators call them without keys).
    private static readonly string[] s_anonymous = ["/api/v1/auth/sign-in", "/openapi/{documentName}.json", "/v2/health/live", "/v2/health/ready"];
    private const string ReferencePage = "/reference/";

    // The portal's pages: public are the sign-in and not-allowed pages and the static assets (scripts, styles) they need.
    private static readonly string[] s_publicPages = ["/sign-in", "/forbidden"];
    private const string DevelopmentFileFallback = "{**path:file}";

    private readonly PortalFactory _portal = new();

    [Fact]
    public async Task Every_endpoint_requires_its_declared_role_and_admits_every_higher_one()
    {
        var clients = new Dictionary<string, HttpClient> { ["anonymous"] = _portal.CreateClient() };
        foreach (var role in PortalRoles.All) clients[role] = await _portal.CreateClientAs(role);
        var endpoints = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);

        var failures = new List<string>();
        var table = new StringBuilder($"{"endpoint",-70} {"role",-12} anon Viewer Contrib Approver Admin\n");
        foreach (var endpoint in endpoints.OrderBy(e => e.RoutePattern.RawText))
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            // MapStaticAssets' development-only fallback for files added after the build (the tests run as Development);
            // a published server has no such endpoint. Unsigned-in requests to it are challenged by the fallback policy.
            if (pattern == DevelopmentFileFallback) continue;
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var declared = DeclaredRole(endpoint);
            var ui = IsUi(endpoint);
            var publicAsset = endpoint.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor") || s_publicPages.Contains(pattern);
            if (anonymous && !s_anonymous.Contains(pattern) && !pattern.StartsWith(ReferencePage, StringComparison.Ordinal) && !publicAsset) failures.Add($"{pattern} allows anonymous access but is not on the public list");
            if (!anonymous && declared is null) failures.Add($"{pattern} declares no role (only the fallback 'signed in' policy)");
            foreach (var method in methods)
            {
                var designed = ui ? PageRole(pattern) : DesignedRole(method, pattern);
                if (!anonymous && declared != designed) failures.Add($"{method} {pattern} declares {declared ?? "no role"}; the design says {designed}");
            }

            foreach (var method in methods)
            {
                var row = new StringBuilder($"{method + " " + pattern,-70} {(anonymous ? "public" : declared ?? "?"),-12}");
                foreach (var (who, client) in clients)
                {
                    var accepts = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes.FirstOrDefault();
                    var (status, landed) = await Send(client, method, Fill(endpoint.RoutePattern), accepts);
                    row.Append($" {(int)status,4}");
                    var expected = Expect(who, anonymous, declared);
                    // A browser asking for a page without signing in is sent to the sign-in page rather than given a 401.
                    if (ui && expected == "401" ? !landed.StartsWith("/sign-in", StringComparison.Ordinal) : !Matches(expected, status))
                        failures.Add($"{method} {pattern} as {who}: got {(int)status} at {landed}, expected {expected}");
                }
                table.AppendLine(row.ToString());
            }
        }
        output.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// The role model of the portal, as rules: reading is for Viewers; creating and changing is for Contributors;
    /// deciding promotions (which the service checks, with reasons) and rolling back is for Approvers, and so is changing the alert rules they act on; users and
    /// promotion policies are for Admins; every user manages their own API keys and session; the live hub is for reading.
    /// Inference (/v2) and the Prometheus text (/metrics) are reads; a deployment's batching is an Admin's (it trades
    /// every caller's latency), its canary an Approver's (it sends the alias's traffic to a version nobody approved for it).
    /// </summary>
    private static string DesignedRole(string method, string pattern)
    {
        if (pattern.StartsWith("/hubs/", StringComparison.Ordinal)) return PortalRoles.Viewer;
        if (pattern.StartsWith("/v2", StringComparison.Ordinal) || pattern == "/metrics") return PortalRoles.Viewer;
        if (pattern.StartsWith("/api/v1/deployments", StringComparison.Ordinal) && pattern.EndsWith("/batching", StringComparison.Ordinal) && method != "GET") return PortalRoles.Admin;
        if (pattern.StartsWith("/api/v1/deployments", StringComparison.Ordinal) && pattern.EndsWith("/canary", StringComparison.Ordinal) && method != "GET") return PortalRoles.Approver;
        if (pattern.StartsWith("/api/v1/users", StringComparison.Ordinal)) return PortalRoles.Admin;
        if (pattern.StartsWith("/api/v1/alert-rules", StringComparison.Ordinal) && method != "GET") return PortalRoles.Approver;
        if (pattern.EndsWith("/policy", StringComparison.Ordinal) && method != "GET") return PortalRoles.Admin;
        if (pattern.EndsWith("/rollback", StringComparison.Ordinal)) return PortalRoles.Approver;
        // A Contributor reaches approve and deny only to be refused with the reason (their own request, or the policy's role).
        if (pattern.EndsWith("/approve", StringComparison.Ordinal) || pattern.EndsWith("/deny", StringComparison.Ordinal)) return PortalRoles.Contributor;
        if (method == "GET" || pattern.StartsWith("/api/v1/api-keys", StringComparison.Ordinal) || pattern == "/api/v1/auth/sign-out")
            return PortalRoles.Viewer;
        return PortalRoles.Contributor;
    }

    /// <summary>The portal's pages and their circuit hub (/_blazor), as opposed to the REST API.</summary>
    private static bool IsUi(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null
        || (endpoint.RoutePattern.RawText ?? "").TrimStart('/') is var path
            && (path.StartsWith("_blazor", StringComparison.Ordinal) || path.StartsWith("_framework", StringComparison.Ordinal));

    /// <summary>
    /// The role of a page, whatever the method (a page's form posts to the page): reading for Viewers, starting a run for
    /// Contributors, users for Admins. What a page lets one do is checked again by the service it calls.
    /// </summary>
    private static string PageRole(string pattern) => pattern switch
    {
        "/runs/new" => PortalRoles.Contributor,
        "/users" => PortalRoles.Admin,
        _ => PortalRoles.Viewer,
    };

    private static string? DeclaredRole(RouteEndpoint endpoint) => endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>()
        .Select(a => a.Policy).Where(p => p is not null && p.StartsWith("AtLeast", StringComparison.Ordinal))
        .Select(p => p!["AtLeast".Length..]).OrderByDescending(PortalRoles.Rank).FirstOrDefault();

    private static string Expect(string who, bool anonymous, string? declared)
    {
        if (anonymous) return "public";
        if (who == "anonymous") return "401";
        return PortalRoles.Rank(who) >= PortalRoles.Rank(declared ?? PortalRoles.Viewer) ? "authorised" : "403";
    }

    private static bool Matches(string expected, HttpStatusCode status) => expected switch
    {
        "401" => status == HttpStatusCode.Unauthorized,
        "403" => status == HttpStatusCode.Forbidden,
        "public" => status != HttpStatusCode.Forbidden, // a public endpoint may still refuse bad credentials with 401
        _ => status is not HttpStatusCode.Unauthorized and not HttpStatusCode.Forbidden,
    };

    /// <summary>The route with made-up values: a fresh Guid for ids, 1 for numbers, a name nothing has.</summary>
    private static string Fill(RoutePattern pattern)
    {
        var text = pattern.RawText ?? "";
        foreach (var parameter in pattern.Parameters)
        {
            var value = parameter.ParameterPolicies.Any(p => p.Content == "guid") ? Guid.NewGuid().ToString()
                : parameter.ParameterPolicies.Any(p => p.Content is "int" or "long") ? "1"
                : parameter.Name == "documentName" ? "v1"
                : $"no-such-{parameter.Name.ToLowerInvariant()}";
            text = System.Text.RegularExpressions.Regex.Replace(text, "\\{\\*?\\*?" + parameter.Name + "[^}]*\\}", value);
        }
        return "/" + text.TrimStart('/');
    }

    private static async Task<(HttpStatusCode Status, string Landed)> Send(HttpClient client, string method, string path, string? contentType)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (contentType?.StartsWith("multipart/", StringComparison.Ordinal) == true)
            request.Content = new MultipartFormDataContent { { new StringContent("x"), "note" } };
        else if (method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.RequestMessage?.RequestUri?.AbsolutePath ?? path);
    }

    public void Dispose() => _portal.Dispose();
}
