using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Auth;
using Portal.Server.Live;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Training;

namespace Portal.Server.Tests.Live;

/// <summary>The hub on a real Kestrel port, spoken to by the official .NET SignalR client over WebSockets.</summary>
public sealed class LiveHubTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new();
    private readonly List<HubConnection> _connections = [];
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _address = _portal.StartOnKestrel();
        await _portal.AdminClient();
    }

    [Fact]
    public async Task A_viewer_streams_a_runs_history_then_its_live_points_with_no_gap_and_no_duplicate()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var bus = _portal.Services.GetRequiredService<LiveBus>();
        var runId = Guid.NewGuid();
        var topic = $"run:{runId}";
        for (var i = 1; i <= 300; i++) bus.Publish(topic, "step", Step(runId, i));

        var hub = await Connect(viewer.ApiKey);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stream = hub.StreamAsync<LiveMessage>("Stream", topic, 0L, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var seen = new List<long>();
        while (seen.Count < 300 && await stream.MoveNextAsync()) seen.Add(stream.Current.Sequence);
        var publisher = Task.Run(async () =>
        {
            for (var i = 301; i <= 600; i++)
            {
                bus.Publish(topic, "step", Step(runId, i));
                if (i % 25 == 0) await Task.Delay(2);
            }
        });
        while (seen.Count < 600 && await stream.MoveNextAsync())
        {
            seen.Add(stream.Current.Sequence);
            Assert.Equal(0, stream.Current.Downsampled);
        }
        await publisher;

        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), seen);
        var last = (JsonElement)stream.Current.Data;
        Assert.Equal(600, last.GetProperty("step").GetInt64());
        Assert.Equal("step", stream.Current.Type);
        await stream.DisposeAsync();
    }

    [Fact]
    public async Task A_client_that_reconnects_resumes_after_the_last_sequence_number_it_saw()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var bus = _portal.Services.GetRequiredService<LiveBus>();
        var runId = Guid.NewGuid();
        var topic = $"run:{runId}";
        for (var i = 1; i <= 40; i++) bus.Publish(topic, "step", Step(runId, i));

        var first = await Connect(viewer.ApiKey);
        var seen = await Take(first, topic, 0, 25);
        await first.StopAsync();
        for (var i = 41; i <= 60; i++) bus.Publish(topic, "step", Step(runId, i));

        var second = await Connect(viewer.ApiKey);
        seen.AddRange(await Take(second, topic, seen[^1], 35));

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task The_jobs_topic_and_the_last_sequence_number_are_there_for_every_viewer()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var hub = await Connect(viewer.ApiKey);
        var before = await hub.InvokeAsync<long>("LastSequence", LiveTopics.Jobs);
        _portal.Services.GetRequiredService<LiveBus>().Publish(LiveTopics.Jobs, "status", "probe");

        Assert.Equal(before + 1, await hub.InvokeAsync<long>("LastSequence", LiveTopics.Jobs));
        var got = await Take(hub, LiveTopics.Jobs, before, 1);
        Assert.Equal([before + 1], got);
    }

    [Fact]
    public async Task A_topic_that_is_not_a_live_topic_is_refused_with_a_message_naming_it()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var hub = await Connect(viewer.ApiKey);

        var error = await Assert.ThrowsAsync<HubException>(() => Take(hub, "secrets:everything", 0, 1));

        Assert.Contains("'secrets:everything' is not a live topic", error.Message);
    }

    [Fact]
    public async Task Nobody_without_a_valid_key_or_cookie_can_connect()
    {
        var anonymous = Build(null);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);

        var forged = Build("ptl_not-a-real-key");
        error = await Assert.ThrowsAsync<HttpRequestException>(() => forged.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    private static RunStepEvent Step(Guid runId, int step) => new(runId, 1, step, 1_000, 1.0 / step, 0.001, 100, DateTimeOffset.UnixEpoch.AddSeconds(step));

    private static async Task<List<long>> Take(HubConnection hub, string topic, long after, int count)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<long>();
        await foreach (var m in hub.StreamAsync<LiveMessage>("Stream", topic, after, cancel.Token))
        {
            seen.Add(m.Sequence);
            if (seen.Count == count) break;
        }
        return seen;
    }

    private async Task<HubConnection> Connect(string apiKey)
    {
        var hub = Build(apiKey);
        await hub.StartAsync();
        return hub;
    }

    private HubConnection Build(string? apiKey)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_address, LiveSetup.HubPath), o =>
            {
                if (apiKey is not null) o.Headers[ApiKeyAuthenticationHandler.HeaderName] = apiKey;
            })
            .Build();
        _connections.Add(hub);
        return hub;
    }

    public async Task DisposeAsync()
    {
        foreach (var hub in _connections) await hub.DisposeAsync();
        _portal.Dispose();
    }
}
