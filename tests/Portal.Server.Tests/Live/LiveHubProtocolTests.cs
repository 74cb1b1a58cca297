using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Auth;
using Portal.Contracts.Jobs;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Training;

namespace Portal.Server.Tests.Live;

/// <summary>
/// What an outside client of the hub relies on: the key as SignalR's clients send it, a run's stream that completes,
/// and the hub described in the OpenAPI document. Waits are bounded, never measured.
/// </summary>
public sealed class LiveHubProtocolTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    private readonly PortalFactory _portal = new();
    private readonly List<HubConnection> _connections = [];
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _address = _portal.StartOnKestrel();
        await _portal.AdminClient();
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task The_key_given_to_the_clients_AccessTokenProvider_admits_it_on_every_transport(HttpTransportType transport)
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var hub = await Connect(o =>
        {
            o.AccessTokenProvider = () => Task.FromResult<string?>(viewer.ApiKey);
            o.Transports = transport;
        });

        Assert.Equal(_portal.Services.GetRequiredService<LiveBus>().LastSequence(LiveTopics.Jobs),
            await hub.InvokeAsync<long>(nameof(LiveHub.LastSequence), LiveTopics.Jobs));
    }

    [Fact]
    public async Task The_key_in_the_access_token_query_is_accepted_on_the_hub_path_only()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        using var http = new HttpClient { BaseAddress = _address };
        var key = Uri.EscapeDataString(viewer.ApiKey);

        var negotiate = await http.PostAsync($"{LiveSetup.HubPath}/negotiate?negotiateVersion=1&access_token={key}", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync($"{LiveSetup.HubPath}/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/api/v1/auth/me?access_token={key}")).StatusCode);
    }

    [Fact]
    public async Task A_bearer_key_is_accepted_wherever_the_key_header_is()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        using var http = new HttpClient { BaseAddress = _address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", viewer.ApiKey);

        var me = await http.GetJson<Me>("/api/v1/auth/me");
        Assert.Equal(viewer.UserName, me.UserName);
        Assert.True(me.ViaApiKey);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task A_runs_stream_completes_after_the_runs_final_status()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var bus = _portal.Services.GetRequiredService<LiveBus>();
        var runId = Guid.NewGuid();
        var topic = TrainingJobHandler.RunTopic(runId);
        var hub = await Connect(o => o.Headers[ApiKeyAuthenticationHandler.HeaderName] = viewer.ApiKey);
        using var cancel = new CancellationTokenSource(s_bound);
        var stream = hub.StreamAsync<LiveMessage>(nameof(LiveHub.Stream), topic, 0L, cancel.Token).GetAsyncEnumerator(cancel.Token);

        bus.Publish(topic, "step", new RunStepEvent(runId, 1, 1, 2, 1.0, 0.001, 100, DateTimeOffset.UtcNow));
        var jobId = Guid.NewGuid();
        bus.Publish(topic, "status", new JobStatusEvent(jobId, JobKinds.Export, JobState.Succeeded, 1, null));
        bus.Publish(topic, "status", new JobStatusEvent(jobId, JobKinds.Training, JobState.Succeeded, 1, null));

        var types = new List<string>();
        while (await stream.MoveNextAsync()) types.Add(stream.Current.Type);
        Assert.Equal(["step", "status", "status"], types);
    }

    [Fact]
    public async Task The_stream_of_a_run_that_had_already_finished_replays_what_is_retained_then_completes()
    {
        var viewer = await _portal.CreateUser(PortalRoles.Viewer);
        var run = await FinishedRun(JobState.Failed);
        var topic = TrainingJobHandler.RunTopic(run);
        _portal.Services.GetRequiredService<LiveBus>().Publish(topic, "step", new RunStepEvent(run, 1, 1, 2, 1.0, 0.001, 100, DateTimeOffset.UtcNow));
        var hub = await Connect(o => o.Headers[ApiKeyAuthenticationHandler.HeaderName] = viewer.ApiKey);
        using var cancel = new CancellationTokenSource(s_bound);

        var all = new List<long>();
        await foreach (var m in hub.StreamAsync<LiveMessage>(nameof(LiveHub.Stream), topic, 0L, cancel.Token)) all.Add(m.Sequence);
        var after = new List<long>();
        await foreach (var m in hub.StreamAsync<LiveMessage>(nameof(LiveHub.Stream), topic, 1L, cancel.Token)) after.Add(m.Sequence);

        Assert.Equal([1L], all);
        Assert.Empty(after);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_hub_its_methods_topics_and_key()
    {
        using var http = new HttpClient { BaseAddress = _address };
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));

        var description = document.RootElement.GetProperty("info").GetProperty("description").GetString();
        Assert.NotNull(description);
        foreach (var fact in new[] { "/hubs/live", "Stream(topic: string, afterSequence: long)", "LastSequence(topic: string)",
                     "run:{runId}", "job:{jobId}", "compression:{compressionId}", "deployment:{model}/{alias}", "`jobs`",
                     "X-Api-Key", "Authorization: Bearer", "access_token", "completes" })
        {
            Assert.True(description.Contains(fact, StringComparison.Ordinal), $"The hub's description should mention {fact}.");
        }
    }

    private async Task<Guid> FinishedRun(JobState state)
    {
        var job = new JobRecord { Kind = JobKinds.Training, Payload = "{}", CreatedBy = "tests", State = state, FinishedAt = DateTimeOffset.UtcNow };
        var run = new TrainingRun { Name = "finished", SpecJson = "{}", OptionsJson = "{}", CreatedBy = "tests", JobId = job.Id };
        await _portal.InDatabase(async db =>
        {
            db.Jobs.Add(job);
            db.Runs.Add(run);
            await db.SaveChangesAsync();
        });
        return run.Id;
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
        foreach (var hub in _connections) await hub.DisposeAsync();
        _portal.Dispose();
    }
}
