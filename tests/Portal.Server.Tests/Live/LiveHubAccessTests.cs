using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Live;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Training;

namespace Portal.Server.Tests.Live;

/// <summary>
/// A live hub connection keeps only the rights its caller still has: revoking the key or signing out closes it with
/// its streams, and every invocation checks the caller again. Waits are bounded by <see cref="s_bound"/> (the promise
/// is "within 2 s"), never measured.
/// </summary>
public sealed class LiveHubAccessTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(2);

    private readonly PortalFactory _portal = new();
    private readonly List<HubConnection> _connections = [];
    private readonly CancellationTokenSource _stopPublishing = new();
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _address = _portal.StartOnKestrel();
        await _portal.AdminClient();
    }

    [Fact]
    public async Task A_revoked_keys_open_stream_ends_and_it_cannot_start_another()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var hub = await Connect(o => o.Headers[ApiKeyAuthenticationHandler.HeaderName] = viewer.ApiKey);
        var stream = StreamBusyRun(hub);
        Assert.True(await stream.MoveNextAsync());

        var admin = await _portal.AdminClient();
        var keys = await admin.GetJson<Page<KeyView>>("/api/v1/api-keys?all=true");
        await (await admin.DeleteAsync($"/api/v1/api-keys/{keys.Items.Single(k => k.UserId == viewer.Id).Id}")).AssertStatus(HttpStatusCode.NoContent);

        Assert.True(await EndsWithinBound(stream), "The revoked key's stream was still delivering messages after the bound.");
        await Assert.ThrowsAnyAsync<Exception>(() => hub.InvokeAsync<long>(nameof(LiveHub.LastSequence), LiveTopics.Jobs));
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_open_stream_and_refuses_their_next_call()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var hub = await Connect(o => o.Headers[ApiKeyAuthenticationHandler.HeaderName] = viewer.ApiKey);
        var stream = StreamBusyRun(hub);
        Assert.True(await stream.MoveNextAsync());

        var admin = await _portal.AdminClient();
        await (await admin.PutJson($"/api/v1/users/{viewer.Id}/access", new AccessRequest(true))).AssertStatus(HttpStatusCode.OK);

        Assert.True(await EndsWithinBound(stream), "The disabled user's stream was still delivering messages after the bound.");
        await Assert.ThrowsAnyAsync<Exception>(() => hub.InvokeAsync<long>(nameof(LiveHub.LastSequence), LiveTopics.Jobs));
    }

    [Fact]
    public async Task Every_invocation_checks_the_caller_again_so_a_key_revoked_behind_the_hubs_back_is_refused()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var hub = await Connect(o => o.Headers[ApiKeyAuthenticationHandler.HeaderName] = viewer.ApiKey);
        await hub.InvokeAsync<long>(nameof(LiveHub.LastSequence), LiveTopics.Jobs);

        // Straight in the database: no signal is raised, so only the invocation's own check can notice.
        await _portal.InDatabase(db => db.ApiKeys.Where(k => k.UserId == viewer.Id)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, DateTimeOffset.UtcNow)));

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<long>(nameof(LiveHub.LastSequence), LiveTopics.Jobs));
        Assert.Contains("no longer admits you", refused.Message);
        await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in hub.StreamAsync<LiveMessage>(nameof(LiveHub.Stream), LiveTopics.Jobs, 0L)) break;
        });
    }

    [Fact]
    public async Task Signing_out_ends_the_users_open_stream_on_a_cookie_connection()
    {
        var contributor = await _portal.CreateUser(PortalRoles.Contributor);
        var browser = _portal.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = _address });
        var signedIn = await browser.PostAsJsonAsync("/api/v1/auth/sign-in", new SignInRequest(contributor.UserName, contributor.Password), HttpJson.Options);
        await signedIn.AssertStatus(HttpStatusCode.OK);
        var cookie = string.Join("; ", signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var hub = await Connect(o => o.Headers["Cookie"] = cookie);
        var stream = StreamBusyRun(hub);
        Assert.True(await stream.MoveNextAsync());

        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/sign-out");
        signOut.Headers.Add("Cookie", cookie);
        await (await browser.SendAsync(signOut)).AssertStatus(HttpStatusCode.NoContent);

        Assert.True(await EndsWithinBound(stream), "The signed-out user's stream was still delivering messages after the bound.");
    }

    /// <summary>A stream of a run topic that a publisher keeps busy until the test ends.</summary>
    private IAsyncEnumerator<LiveMessage> StreamBusyRun(HubConnection hub)
    {
        var bus = _portal.Services.GetRequiredService<LiveBus>();
        var runId = Guid.NewGuid();
        var topic = TrainingJobHandler.RunTopic(runId);
        var stop = _stopPublishing.Token;
        _ = Task.Run(async () =>
        {
            for (var step = 1; !stop.IsCancellationRequested; step++)
            {
                bus.Publish(topic, "step", new RunStepEvent(runId, 1, step, 1_000_000, 1.0 / step, 0.001, 100, DateTimeOffset.UtcNow));
                await Task.Delay(1);
            }
        }, stop);
        return hub.StreamAsync<LiveMessage>(nameof(LiveHub.Stream), topic, 0L).GetAsyncEnumerator();
    }

    /// <summary>True when the stream ends (completes or fails) before <see cref="s_bound"/> passes.</summary>
    private static async Task<bool> EndsWithinBound(IAsyncEnumerator<LiveMessage> stream)
    {
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await stream.MoveNextAsync())
                {
                }
            }
            catch (Exception e) when (e is HubException or OperationCanceledException or InvalidOperationException or System.IO.IOException)
            {
            }
        });
        return await Task.WhenAny(reading, Task.Delay(s_bound)) == reading;
    }

    private async Task<HubConnection> Connect(Action<Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions> configure)
    {
        var hub = new HubConnectionBuilder().WithUrl(new Uri(_address, LiveSetup.HubPath), configure).Build();
        _connections.Add(hub);
        await hub.StartAsync();
        return hub;
    }

    public async Task DisposeAsync()
    {
        await _stopPublishing.CancelAsync();
        foreach (var hub in _connections) await hub.DisposeAsync();
        _portal.Dispose();
        _stopPublishing.Dispose();
    }
}
