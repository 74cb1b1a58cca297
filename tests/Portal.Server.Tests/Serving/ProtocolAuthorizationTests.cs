using System.Net;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

/// <summary>/v2 refuses a caller without a valid key in the Open Inference Protocol's own error shape.</summary>
public sealed class ProtocolAuthorizationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/v2")]
    [InlineData("/v2/models/any")]
    [InlineData("/v2/models/any/ready")]
    public async Task Without_a_key_v2_answers_401_with_the_protocols_error_naming_the_key(string path)
    {
        var message = await (await portal.AnonymousClient().GetAsync(path)).Error(HttpStatusCode.Unauthorized);

        Assert.Contains("API key", message);
    }

    [Fact]
    public async Task An_unknown_key_on_v2_gets_401_with_the_protocols_error_saying_why()
    {
        var client = portal.AnonymousClient();
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, "ptl_000000000000_not-a-key");

        var message = await (await client.PostAsync("/v2/models/any/infer", new StringContent("{}"))).Error(HttpStatusCode.Unauthorized);

        Assert.Contains("unknown, expired or revoked", message);
    }
}
