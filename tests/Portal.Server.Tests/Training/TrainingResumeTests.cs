using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Engine.Weights;
using Portal.Server.Auth;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Training;

namespace Portal.Server.Tests.Training;

[Collection(TrainingCollection.Name)]
public sealed class TrainingResumeTests : IDisposable
{
    private readonly TestStorage _storage = TestStorage.Sqlite();

    public void Dispose() => _storage.Dispose();

    [Fact]
    public async Task A_run_stopped_by_a_shutdown_resumes_from_its_checkpoint_and_its_curve_continues_unchanged()
    {
        const int epochs = 20;
        Guid train;
        RunView run;
        RunEpochView[] before;
        string apiKey;
        var options = new { epochs, batchSize = 16, learningRate = 0.005, seed = 11, schedule = new { kind = "cosine" } };
        await using (var first = TrainingPortal.On(_storage))
        {
            var user = await first.CreateUser(PortalRoles.Contributor);
            apiKey = user.ApiKey;
            train = await TrainingPortal.UploadBlobs(user.Client, 400, seed: 21);
            run = await TrainingPortal.CreateRun(user.Client, new { name = "stopped", datasetId = train, spec = TrainingPortal.TinySpec, options });
            // Stop the server at the first epoch this subscription sees, early in the run.
            using var progress = first.Services.GetRequiredService<LiveBus>().Subscribe(TrainingJobHandler.RunTopic(run.Id));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await foreach (var e in progress.WithCancellation(timeout.Token))
            {
                if (e.Data is RunEpochView) break;
            }
        }

        await using var second = TrainingPortal.On(_storage);
        var client = second.ClientWithKey(apiKey);
        var interrupted = await client.GetJson<JobView>($"/api/v1/jobs/{run.JobId}");
        Assert.Equal(JobState.Interrupted, interrupted.State);
        before = await client.GetJson<RunEpochView[]>($"/api/v1/runs/{run.Id}/metrics");
        Assert.InRange(before.Length, 1, epochs - 1);
        Assert.True(File.Exists(Path.Combine(second.CheckpointDirectory(run.Id), "checkpoint.json")));

        using var live = second.Services.GetRequiredService<LiveBus>().Subscribe(TrainingJobHandler.RunTopic(run.Id), capacity: 100_000);
        await (await client.PostAsync($"/api/v1/jobs/{run.JobId}/resume", null)).AssertStatus(HttpStatusCode.OK);
        var done = await client.WaitForJob(run.JobId, JobState.Succeeded);

        Assert.Equal(2, done.Attempts);
        var firstResumedStep = Events(live).Select(e => e.Data).OfType<RunStepEvent>().First();
        Assert.Equal(before.Length + 1, firstResumedStep.Epoch);
        var after = await client.GetJson<RunEpochView[]>($"/api/v1/runs/{run.Id}/metrics");
        Assert.Equal(Enumerable.Range(1, epochs), after.Select(m => m.Epoch));
        // The epochs stored before the stop are untouched (a restart from scratch would have rewritten their timings).
        Assert.Equal(before, after[..before.Length]);

        // The same run without a stop draws the same curve: the resumed one continued, it did not start over.
        var whole = await TrainingPortal.CreateRun(client, new { name = "whole", datasetId = train, spec = TrainingPortal.TinySpec, options });
        await client.WaitForJob(whole.JobId, JobState.Succeeded);
        var uninterrupted = await client.GetJson<RunEpochView[]>($"/api/v1/runs/{whole.Id}/metrics");
        Assert.Equal(uninterrupted.Select(m => (m.Epoch, m.TrainLoss, m.TrainAccuracy, m.LearningRate)), after.Select(m => (m.Epoch, m.TrainLoss, m.TrainAccuracy, m.LearningRate)));
        var resumedWeights = SafetensorsReader.Read(await client.GetByteArrayAsync($"/api/v1/runs/{run.Id}/artifacts/weights")).Weights;
        var wholeWeights = SafetensorsReader.Read(await client.GetByteArrayAsync($"/api/v1/runs/{whole.Id}/artifacts/weights")).Weights;
        Assert.Equal(wholeWeights.Tensors.Select(t => (t.Name, t.Data)), resumedWeights.Tensors.Select(t => (t.Name, t.Data)));
    }

    private static IEnumerable<LiveEvent> Events(LiveSubscription subscription)
    {
        while (subscription.TryRead(out var e)) yield return e;
    }
}
