using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Portal.Server.Hosting;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Security;

/// <summary>
/// Every response limits what a browser does with it: a Content-Security-Policy without inline script or eval
/// (inline scripts the server writes carry the response's own nonce, which only such a response's policy names),
/// no MIME sniffing, no referrer, no framing.
/// Whether Chromium then refuses script is the end-to-end HostileTextTests.
/// </summary>
public sealed partial class SecurityHeadersTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/sign-in", "anonymous", HttpStatusCode.OK, true)]
    [InlineData("/runs", "admin", HttpStatusCode.OK, true)]
    [InlineData("/runs", "anonymous", HttpStatusCode.Found, false)]
    [InlineData("/api/v1/auth/me", "admin", HttpStatusCode.OK, false)]
    [InlineData("/api/v1/datasets", "anonymous", HttpStatusCode.Unauthorized, false)]
    [InlineData("/api/v1/datasets/00000000-0000-0000-0000-000000000000", "admin", HttpStatusCode.NotFound, false)]
    [InlineData("/js/portal.js", "anonymous", HttpStatusCode.OK, false)]
    [InlineData("/_framework/blazor.web.js", "anonymous", HttpStatusCode.OK, false)]
    [InlineData("/reference/", "anonymous", HttpStatusCode.OK, true)]
    [InlineData("/openapi/v1.json", "anonymous", HttpStatusCode.OK, false)]
    [InlineData("/v2/health/live", "anonymous", HttpStatusCode.OK, false)]
    public async Task Every_response_carries_the_content_security_policy_and_the_other_security_headers(string path, string caller, HttpStatusCode status, bool writesInlineScript)
    {
        var client = caller == "admin" ? await portal.AdminClient() : portal.CreateClient(new() { AllowAutoRedirect = false });
        var response = await client.GetAsync(path);
        await response.AssertStatus(status);

        var directives = Directives(response);
        Assert.Equal("'self'", directives["default-src"]);
        // Only a response that writes an inline script admits one, by its own nonce; any other admits none.
        if (writesInlineScript) Assert.Matches("^'self' 'nonce-[A-Za-z0-9_-]{22}'$", directives["script-src"]);
        else Assert.Equal("'self'", directives["script-src"]);
        Assert.Equal("'self' 'unsafe-inline'", directives["style-src"]);
        Assert.Equal("'self'", directives["connect-src"]);
        Assert.Equal("'none'", directives["object-src"]);
        Assert.Equal("'self'", directives["base-uri"]);
        Assert.Equal("'none'", directives["frame-ancestors"]);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Theory]
    [InlineData("/sign-in")]
    [InlineData("/reference/")]
    public async Task Every_inline_script_of_a_page_carries_the_nonce_of_its_own_response(string path)
    {
        var client = portal.AnonymousClient();
        var first = await client.GetAsync(path);
        var second = await client.GetAsync(path);
        var nonce = Nonce(first);
        Assert.NotEqual(nonce, Nonce(second));

        var html = await first.Content.ReadAsStringAsync();
        var inline = ScriptTag().Matches(html).Where(m => !m.Groups["attributes"].Value.Contains("src=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(inline);
        Assert.All(inline, m => Assert.Contains($"nonce=\"{nonce}\"", m.Groups["attributes"].Value, StringComparison.Ordinal));
    }

    [Fact]
    public void A_nonce_asked_for_after_the_response_started_is_refused_since_the_policy_went_out_without_one()
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(new StartedResponse());

        var refusal = Assert.Throws<InvalidOperationException>(() => SecurityHeaders.ScriptNonce(context));
        Assert.Contains("after the response started", refusal.Message, StringComparison.Ordinal);
    }

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }

    private static Dictionary<string, string> Directives(HttpResponseMessage response)
    {
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        return policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "");
    }

    private static string Nonce(HttpResponseMessage response) =>
        Regex.Match(Directives(response)["script-src"], "'nonce-(?<nonce>[^']+)'").Groups["nonce"].Value;

    [GeneratedRegex("<script(?<attributes>[^>]*)>")]
    private static partial Regex ScriptTag();
}
