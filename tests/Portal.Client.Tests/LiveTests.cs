using Microsoft.Extensions.DependencyInjection;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Server.Auth;
using LiveBus = Portal.Server.Live.LiveBus;

namespace Portal.Client.Tests;

public sealed class LiveTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task A_watched_run_delivers_every_point_in_order_across_a_forced_hub_reconnect()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var datasetId = await LivePortal.UploadBlobs(contributor, 480, seed: 5);
        var run = await contributor.Runs.Create(new CreateRunRequest("reconnect", datasetId, null, LivePortal.TinySpec,
            System.Text.Json.JsonSerializer.SerializeToElement(new { epochs = 3, batchSize = 8, seed = 1 })), cancel.Token);

        var sequences = new List<long>();
        var steps = new List<long>();
        var dropped = 0;
        await foreach (var m in contributor.Live.Watch(LiveTopics.Run(run.Id), 0, cancel.Token))
        {
            sequences.Add(m.Sequence);
            Assert.Equal(0, m.Downsampled);
            if (m.Type == "step") steps.Add(m.As<RunStep>().Step);
            if (sequences.Count is 20 or 120) dropped += portal.DropHubConnections();
            if (m.Type == "status" && m.As<JobStatusEvent>().State.IsFinished()) break;
        }

        Assert.True(dropped >= 2, $"the hub connection was cut {dropped} times");
        // The second cut can land after the client already holds every remaining message (a tiny run on an idle
        // machine finishes in a blink): then it has nothing left to reconnect for. The first cut always needs one.
        Assert.True(contributor.Live.Reconnects >= 1, $"the client reconnected {contributor.Live.Reconnects} times");
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(Enumerable.Range(1, 180).Select(i => (long)i), steps);
    }

    [Fact]
    public async Task A_watch_resumes_after_a_given_sequence_number_and_follows_live_events()
    {
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        var bus = portal.Services.GetRequiredService<LiveBus>();
        var topic = $"deployment:watched-{Guid.NewGuid().ToString("N")[..6]}/production";
        for (var i = 1; i <= 10; i++) bus.Publish(topic, "metrics", new { tick = i });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var seen = new List<(long, int)>();
        await foreach (var m in viewer.Live.Watch(topic, afterSequence: 6, cancel.Token))
        {
            seen.Add((m.Sequence, m.Data.GetProperty("tick").GetInt32()));
            if (seen.Count == 4) bus.Publish(topic, "metrics", new { tick = 11 });
            if (seen.Count == 5) break;
        }

        Assert.Equal([(7L, 7), (8L, 8), (9L, 9), (10L, 10), (11L, 11)], seen);
        Assert.Equal(11, await viewer.Live.LastSequence(topic));
    }

    [Fact]
    public async Task A_topic_the_hub_does_not_serve_is_refused_with_its_message_and_not_retried()
    {
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);

        var error = await Assert.ThrowsAsync<PortalLiveException>(async () =>
        {
            await foreach (var _ in viewer.Live.Watch("everything"))
            {
            }
        });

        Assert.Contains("'everything' is not a live topic", error.Message);
        Assert.Equal(0, viewer.Live.Reconnects);
    }

    [Fact]
    public async Task A_watch_with_a_bad_key_fails_at_once_saying_why()
    {
        await using var stranger = portal.Client("ptl_nobody");

        var error = await Assert.ThrowsAsync<PortalLiveException>(async () =>
        {
            await foreach (var _ in stranger.Live.Watch(LiveTopics.Jobs))
            {
            }
        });

        Assert.Contains("refused the connection (401)", error.Message);
    }
}
