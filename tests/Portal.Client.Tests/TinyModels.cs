using System.Text.Json;
using Portal.Client.Live;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;

namespace Portal.Client.Tests;

/// <summary>Tiny trained runs and served models for the tests that need one: 300 separable 6×6 images, the tiny MLP, 2 epochs.</summary>
internal static class TinyModels
{
    /// <summary>A finished training run on fresh blobs, and a held-out dataset of 90 more.</summary>
    public static async Task<(RunView Run, Guid HeldOut)> TrainedRun(PortalClient client, int seed, CancellationToken ct)
    {
        var train = await LivePortal.UploadBlobs(client, 300, seed);
        var heldOut = await LivePortal.UploadBlobs(client, 90, seed + 1);
        var run = await client.Runs.Create(new CreateRunRequest($"tiny-{seed}", train, null, LivePortal.TinySpec,
            JsonSerializer.SerializeToElement(new { epochs = 2, batchSize = 16, seed })), ct);
        await UntilFinished(client, LiveTopics.Run(run.Id), ct);
        return (await client.Runs.Get(run.Id, ct), heldOut);
    }

    /// <summary>A new model with <paramref name="versions"/> versions of one tiny run, its alias <paramref name="alias"/> on version 1, served and ready.</summary>
    public static async Task<string> ServedModel(PortalClient client, string alias, int versions, int seed, CancellationToken ct)
    {
        var (run, heldOut) = await TrainedRun(client, seed, ct);
        var model = $"tiny-{Guid.NewGuid().ToString("N")[..8]}";
        await client.Models.Create(model, null, ct);
        for (var v = 0; v < versions; v++) await client.Models.RegisterVersion(model, run.Id, heldOut, ct);
        await client.Models.MoveAlias(model, alias, 1, ct);
        while (!await IsReady(client, model, alias, ct)) await Task.Delay(50, ct);
        return model;
    }

    // The alias move makes the deployment a moment later (the server loads the version after the move commits).
    private static async Task<bool> IsReady(PortalClient client, string model, string alias, CancellationToken ct)
    {
        try
        {
            return (await client.Deployments.Get(model, alias, ct)).Ready;
        }
        catch (PortalApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The events of a run's or job's topic up to the job's final status.</summary>
    public static async Task<List<LiveMessage>> UntilFinished(PortalClient client, string topic, CancellationToken ct)
    {
        var events = new List<LiveMessage>();
        await foreach (var m in client.Live.Watch(topic, 0, ct))
        {
            events.Add(m);
            if (m.Type == "status" && m.As<JobStatusEvent>().State.IsFinished()) break;
        }
        return events;
    }
}
