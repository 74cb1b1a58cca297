using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Engine.Models;
using Portal.Engine.Weights;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Training;

namespace Portal.Server.Tests.Training;

[Collection(TrainingCollection.Name)]
public sealed class TrainingRunTests(TrainingPortal portal) : IClassFixture<TrainingPortal>
{
    [Fact]
    public async Task A_tiny_run_trains_end_to_end_stores_every_epoch_and_step_and_serves_its_weights()
    {
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        var train = await TrainingPortal.UploadBlobs(contributor.Client, 300, seed: 1);
        var validation = await TrainingPortal.UploadBlobs(contributor.Client, 90, seed: 2);

        var created = await TrainingPortal.CreateRun(contributor.Client, new
        {
            name = "tiny",
            datasetId = train,
            validationDatasetId = validation,
            spec = TrainingPortal.TinySpec,
            options = new { epochs = 2, batchSize = 32, learningRate = 0.01, seed = 7, schedule = new { kind = "cosine" } },
        });
        Assert.Equal((JobState.Queued, contributor.UserName), (created.State, created.CreatedBy));
        var job = await viewer.WaitForJob(created.JobId, JobState.Succeeded);

        var run = await viewer.GetJson<RunView>($"/api/v1/runs/{created.Id}");
        Assert.Equal((JobState.Succeeded, 1.0, 2, "Completed"), (run.State, run.Progress, run.BestEpoch, run.StopReason));
        Assert.Equal(job.FinishedAt, run.FinishedAt);
        var metrics = await viewer.GetJson<RunEpochView[]>($"/api/v1/runs/{created.Id}/metrics");
        Assert.Equal([1, 2], metrics.Select(m => m.Epoch));
        Assert.True(metrics[1].TrainLoss < metrics[0].TrainLoss, $"loss {metrics[0].TrainLoss} then {metrics[1].TrainLoss}");
        Assert.True(metrics[1].ValidationAccuracy > 0.8, $"validation accuracy {metrics[1].ValidationAccuracy}");
        var stored = await portal.InDatabase(db => db.RunEpochMetrics.Where(m => m.RunId == created.Id).OrderBy(m => m.Epoch).ToListAsync());
        Assert.Equal(stored.Select(TrainingViews.View), metrics);
        var steps = await viewer.GetJson<RunStepPoint[]>($"/api/v1/runs/{created.Id}/steps");
        Assert.Equal(Enumerable.Range(1, steps.Length).Select(i => (long)i), steps.Select(p => p.Step));
        Assert.Equal([1, 2], steps.Select(p => p.Epoch).Distinct());
        Assert.Equal(steps.Length / 2, steps.Count(p => p.Epoch == 1));
        Assert.All(steps, p => Assert.True(double.IsFinite(p.Loss) && p.Loss > 0, $"step {p.Step} loss {p.Loss}"));
        Assert.True(steps[^1].LearningRate < steps[0].LearningRate, "the cosine schedule lowers the rate");
        await (await viewer.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/steps")).AssertStatus(HttpStatusCode.NotFound);

        var weights = await viewer.GetAsync($"/api/v1/runs/{created.Id}/artifacts/weights");
        await weights.AssertStatus(HttpStatusCode.OK);
        var bytes = await weights.Content.ReadAsByteArrayAsync();
        Assert.Equal(run.WeightsArtifact, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var file = SafetensorsReader.Read(bytes);
        Assert.Equal([16, 36], file.Weights["0.weight"].Shape);
        Assert.Equal([3, 16], file.Weights["2.weight"].Shape);
        Assert.Equal(created.Id.ToString(), file.Metadata["portal.run_id"]);
        Assert.Equal(ModelSpec.FromJson(JsonSerializer.Serialize(TrainingPortal.TinySpec)), ModelSpec.FromJson(file.Metadata["portal.spec"]));
        Assert.Equal(["0", "1", "2"], JsonSerializer.Deserialize<string[]>(file.Metadata["portal.class_labels"])!);
        var standardization = await portal.InDatabase(db => db.Runs.Where(r => r.Id == created.Id).Select(r => r.StandardizationJson).SingleAsync());
        Assert.Equal(standardization, file.Metadata["portal.standardization"]);
        Assert.False(Directory.Exists(portal.CheckpointDirectory(created.Id)));
        var actions = await portal.InDatabase(db => db.AuditEvents.Where(e => e.SubjectId == created.Id.ToString()).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
        Assert.Equal(["run.create", "run.complete"], actions);
        var listed = await viewer.GetJson<Page<RunView>>("/api/v1/runs?limit=500");
        Assert.Contains(listed.Items, r => r.Id == created.Id && r.State == JobState.Succeeded);
    }

    public static TheoryData<string, string> RefusedRequests() => new()
    {
        { """{"name":"r","datasetId":"$train","spec":"no-such-spec"}""", "No ready spec named 'no-such-spec'" },
        { """{"name":"r","datasetId":"$train","spec":{"name":"c","inputShape":[36],"layers":[{"type":"conv2d","outChannels":4,"kernelSize":3}]}}""", "layers[0] (conv2d): expects input [channels, height, width]" },
        { """{"name":"r","datasetId":"$train","spec":{"name":"w","inputShape":[36],"layers":[{"type":"wobble"}]}}""", "unknown layer type" },
        { """{"name":"r","datasetId":"$train","spec":"fashion-mlp"}""", "takes [784] (784 values)" },
        { """{"name":"r","datasetId":"$train","spec":{"name":"five","inputShape":[36],"layers":[{"type":"linear","outFeatures":5}]}}""", "the last layer must output [3]" },
        { """{"name":"r","datasetId":"$train","spec":"$tiny","options":{"epochs":0}}""", "Epochs must be positive, not 0" },
        { """{"name":"r","datasetId":"$train","spec":"$tiny","options":{"learningRate":-1}}""", "Learning rate must be positive" },
        { """{"name":"r","datasetId":"$train","spec":"$tiny","options":{"epoch":3}}""", "'epoch'" },
        { """{"name":"r","datasetId":"$train","spec":"$tiny","options":{"standardization":"sometimes"}}""", "standardization must be perFeature, perChannel or none" },
        { """{"name":"r","datasetId":"$train","spec":"$tiny","options":{"earlyStopping":{"patience":2}}}""", "give a validationDatasetId" },
        { """{"name":"r","datasetId":"$train","spec":"$tiny","options":{"augmentation":{"cropPadding":2}}}""", "Image augmentation needs [C,H,W] inputs" },
        { """{"name":"r","datasetId":"00000000-0000-0000-0000-000000000001","spec":"$tiny"}""", "there is no dataset 00000000-0000-0000-0000-000000000001" },
        { """{"name":" ","datasetId":"$train","spec":"$tiny"}""", "A run needs a name" },
        { """{"name":"r","datasetId":"$train","spec":42}""", "spec must be a ready spec's name" },
    };

    [Theory]
    [MemberData(nameof(RefusedRequests))]
    public async Task A_run_that_cannot_train_is_refused_with_the_reason_and_nothing_is_queued(string body, string reason)
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        var train = await TrainingPortal.UploadBlobs(client, 30, seed: 3);
        var json = body.Replace("$train", train.ToString()).Replace("\"$tiny\"", JsonSerializer.Serialize(TrainingPortal.TinySpec));
        var counts = await portal.InDatabase(async db => (await db.Runs.CountAsync(), await db.Jobs.CountAsync()));

        var response = await client.PostAsync("/api/v1/runs", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblem(HttpStatusCode.BadRequest, reason);
        Assert.Equal(counts, await portal.InDatabase(async db => (await db.Runs.CountAsync(), await db.Jobs.CountAsync())));
    }

    [Fact]
    public async Task A_viewer_cannot_start_a_run()
    {
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);

        var response = await viewer.PostJson("/api/v1/runs", new { name = "r", datasetId = Guid.NewGuid(), spec = "fashion-mlp" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_running_run_stops_it_within_a_batch_and_drops_its_checkpoint()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var train = await TrainingPortal.UploadBlobs(user.Client, 300, seed: 4);
        var run = await TrainingPortal.CreateRun(user.Client, new { name = "long", datasetId = train, spec = TrainingPortal.TinySpec, options = new { epochs = 5000, batchSize = 16 } });
        await WaitForEpochs(user.Client, run.Id, 1);
        Assert.True(Directory.Exists(portal.CheckpointDirectory(run.Id)));

        await (await user.Client.PostAsync($"/api/v1/jobs/{run.JobId}/cancel", null)).AssertStatus(HttpStatusCode.Accepted);

        var cancelled = await user.Client.WaitForJob(run.JobId, JobState.Cancelled, TimeSpan.FromSeconds(10));
        Assert.Equal($"Cancelled by {user.UserName}.", cancelled.Error);
        Assert.True(cancelled.Progress < 0.1);
        await CheckpointGone(run.Id);
        await (await user.Client.GetAsync($"/api/v1/runs/{run.Id}/artifacts/weights")).AssertProblem(HttpStatusCode.NotFound, "has no weights yet: its job is Cancelled");
    }

    [Fact]
    public async Task A_run_that_diverges_fails_naming_the_epoch_and_step()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var train = await TrainingPortal.UploadBlobs(user.Client, 300, seed: 5);
        var run = await TrainingPortal.CreateRun(user.Client, new
        {
            name = "explodes",
            datasetId = train,
            spec = TrainingPortal.TinySpec,
            options = new { epochs = 3, batchSize = 32, optimizer = "sgd", learningRate = 1e30, standardization = "none" },
        });

        var failed = await user.Client.WaitForJob(run.JobId, JobState.Failed);

        Assert.Matches(@"^diverged at epoch \d+ step \d+", failed.Error);
        Assert.Null((await user.Client.GetJson<RunView>($"/api/v1/runs/{run.Id}")).WeightsArtifact);
        await CheckpointGone(run.Id);
    }

    /// <summary>The runner drops a run's checkpoint just after it records the job failed or cancelled.</summary>
    private Task CheckpointGone(Guid runId) =>
        Poll.Until(() => !Directory.Exists(portal.CheckpointDirectory(runId)), TimeSpan.FromSeconds(10),
            () => $"The checkpoint of run {runId} is still there 10 s after its job ended.", TimeSpan.FromMilliseconds(20));

    internal static Task<RunEpochView[]> WaitForEpochs(HttpClient client, Guid runId, int atLeast, int seconds = 60) =>
        Poll.Until(() => client.GetJson<RunEpochView[]>($"/api/v1/runs/{runId}/metrics"), metrics => metrics.Length >= atLeast, TimeSpan.FromSeconds(seconds),
            metrics => $"Run {runId} stored {metrics.Length} epochs in {seconds} s, fewer than {atLeast}.", TimeSpan.FromMilliseconds(20));
}
