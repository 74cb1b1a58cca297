using System.Net;
using System.Text.Json;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Jobs;
using Portal.Contracts.Serving;
using Portal.Contracts.Training;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>Inference (/v2) and deployments through the client, on a version the test trains and serves.</summary>
public sealed class ServingTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task A_served_alias_answers_rows_reports_its_window_and_streams_its_metrics()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = cancel.Token;
        var datasetId = await LivePortal.UploadBlobs(contributor, 300, seed: 11);
        var heldOut = await LivePortal.UploadBlobs(contributor, 90, seed: 12);
        var run = await contributor.Runs.Create(new CreateRunRequest("served", datasetId, null, LivePortal.TinySpec,
            JsonSerializer.SerializeToElement(new { epochs = 3, batchSize = 16, seed = 4 })), ct);
        await foreach (var m in contributor.Live.Watch(LiveTopics.Run(run.Id), 0, ct))
        {
            if (m.Type == "status" && m.As<JobStatusEvent>().State.IsFinished()) break;
        }
        var model = $"served-{Guid.NewGuid().ToString("N")[..8]}";
        await contributor.Models.Create(model, null, ct);
        var version = await contributor.Models.RegisterVersion(model, run.Id, heldOut, ct);
        await contributor.Models.MoveAlias(model, "staging", version.Number, ct);

        // The alias's deployment is made in the background once the move is saved; until then the portal answers 404.
        async Task<DeploymentView?> Staging()
        {
            try
            {
                return await viewer.Deployments.Get(model, "staging", ct);
            }
            catch (PortalApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
        }
        DeploymentView? deployment;
        while ((deployment = await Staging()) is not { Ready: true }) await Task.Delay(50, ct);
        Assert.Equal(version.Number, deployment.Version!.Number);
        Assert.Contains(await viewer.Deployments.ListAll(ct).ToListAsync(ct), d => d.Model == model && d.Alias == "staging");

        var metadata = await viewer.Inference.Metadata(model, "staging", ct: ct);
        Assert.Equal([-1L, 36], metadata.Inputs[0].Shape);
        // Rows shaped like the training data: class c lights the pixels whose index is c modulo 3.
        var rows = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 36).Select(p => p % 3 == c ? 190f : 70f).ToArray()).ToList();
        var result = await viewer.Inference.InferRows(model, rows, alias: "staging", ct: ct);
        Assert.Equal((model, version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)), (result.Model, result.Version));
        Assert.Equal([3, 3, 3], result.Rows.Select(r => r.Length));
        Assert.Equal([0, 1, 2], result.ArgMax());
        var byVersion = await viewer.Inference.InferRows(model, rows, version: version.Number, ct: ct);
        Assert.Equal(result.Rows, byVersion.Rows);

        var wrongWidth = await Assert.ThrowsAsync<ArgumentException>(() => viewer.Inference.InferRows(model, [new float[5]], alias: "staging", ct: ct));
        Assert.Contains("takes 36 per sample", wrongWidth.Message);
        var badTensor = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Inference.Infer(model,
            new InferenceRequest([new InferenceTensor("input", [1, 5], "FP32", JsonSerializer.SerializeToElement(new float[5]))]), "staging", ct: ct));
        Assert.Equal(HttpStatusCode.BadRequest, badTensor.Status);
        Assert.False(string.IsNullOrWhiteSpace(badTensor.Message));
        var notServed = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Inference.InferRows(model, rows, alias: "production", ct: ct));
        Assert.Equal(HttpStatusCode.NotFound, notServed.Status);
        Assert.Contains("has no alias 'production'", notServed.Message);

        // The per-second window counts what was just served, over the live hub as over REST.
        await foreach (var m in viewer.Live.Watch(LiveTopics.Deployment(model, "staging"), 0, ct))
        {
            if (m.Type != "metrics") continue;
            var window = m.As<DeploymentMetrics>();
            if (window.Versions.Sum(v => v.Requests) >= 2) break;
        }
        var metrics = (await viewer.Deployments.Get(model, "staging", ct)).Metrics!;
        Assert.True(metrics.Versions.Single().Requests >= 2, $"{metrics.Versions.Single().Requests} requests in the window");
    }
}
