using System.Net;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

public sealed class RetryTests(LivePortal portal) : IClassFixture<LivePortal>
{
    /// <summary>Answers 503 to the first <see cref="Failures"/> requests, then passes them to the server; counts by method.</summary>
    private sealed class FlakyHandler(int failures) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _left = failures;

        public Dictionary<string, int> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            lock (Seen) Seen[request.Method.Method] = Seen.GetValueOrDefault(request.Method.Method) + 1;
            if (Interlocked.Decrement(ref _left) >= 0)
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request, Content = new StringContent("busy") });
            return base.SendAsync(request, ct);
        }
    }

    [Fact]
    public async Task A_read_is_tried_again_after_a_transient_failure()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        using var flaky = new FlakyHandler(failures: 2);
        await using var client = portal.Client(user.ApiKey, o => o.Handler = flaky);

        var me = await client.Users.Me();

        Assert.Equal(user.UserName, me.UserName);
        Assert.Equal(3, flaky.Seen["GET"]);
    }

    [Fact]
    public async Task A_change_is_never_retried_and_the_failure_says_what_the_server_said()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        using var flaky = new FlakyHandler(failures: 1);
        await using var client = portal.Client(user.ApiKey, o => o.Handler = flaky);

        var error = await Assert.ThrowsAsync<PortalApiException>(() => client.Models.Create($"m-{Guid.NewGuid().ToString("N")[..8]}"));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "busy"), (error.Status, error.Message));
        Assert.Equal(1, flaky.Seen["POST"]);
    }

    [Fact]
    public async Task A_read_gives_up_after_the_configured_retries()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        using var flaky = new FlakyHandler(failures: 100);
        await using var client = portal.Client(user.ApiKey, o =>
        {
            o.Handler = flaky;
            o.ReadRetries = 2;
        });

        var error = await Assert.ThrowsAsync<PortalApiException>(() => client.Users.Me());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.Status);
        Assert.Equal(3, flaky.Seen["GET"]);
    }
}
