using System.Net;
using System.Security.Cryptography;
using Portal.Contracts;
using Portal.Contracts.Datasets;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Server.Api;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Training;

namespace Portal.Server.Tests.Training;

/// <summary>The real server killed with SIGKILL in the middle of a training job, then started again on the same data.</summary>
[Collection(TrainingCollection.Name)]
public sealed class ServerKillTests : IDisposable
{
    private const string Password = "kill-test-admin-password";
    private const int Epochs = 5;
    private readonly TestStorage _storage = TestStorage.Sqlite();

    public void Dispose() => _storage.Dispose();

    [Fact]
    public async Task A_job_killed_mid_run_is_interrupted_after_restart_resumes_to_the_end_and_leaves_no_broken_artifact()
    {
        RunView run;
        RunEpochView[] beforeKill;
        await using (var server = await ServerProcess.Start(_storage.DataDirectory, Password))
        {
            var datasets = await server.Client.GetJson<Page<DatasetView>>("/api/v1/datasets?limit=500");
            var train = datasets.Items.SingleOrDefault(d => d.Name == BuiltinDatasets.TrainName)
                ?? throw new Xunit.Sdk.XunitException($"The built-in dataset {BuiltinDatasets.TrainName} is missing: install Debian's dataset-fashion-mnist.");
            run = await TrainingPortal.CreateRun(server.Client, new { name = "killed", datasetId = train.Id, spec = "fashion-mlp", options = new { epochs = Epochs, batchSize = 128, seed = 5 } });

            // A full Fashion-MNIST epoch: well under a second on an idle machine, minutes on a crowded one.
            beforeKill = await TrainingRunTests.WaitForEpochs(server.Client, run.Id, 1, seconds: 240);
            await server.Kill();
        }
        Assert.InRange(beforeKill.Length, 1, Epochs - 1);
        AssertStoreIntact();

        await using (var server = await ServerProcess.Start(_storage.DataDirectory, Password))
        {
            var job = await server.Client.GetJson<JobView>($"/api/v1/jobs/{run.JobId}");
            Assert.Equal(JobState.Interrupted, job.State);
            Assert.Contains("The server stopped while the job ran", job.Error);
            Assert.Null((await server.Client.GetJson<RunView>($"/api/v1/runs/{run.Id}")).WeightsArtifact);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(_storage.DataDirectory, "artifacts", ".staging"), "*", SearchOption.AllDirectories));
            AssertStoreIntact();

            await (await server.Client.PostAsync($"/api/v1/jobs/{run.JobId}/resume", null)).AssertStatus(HttpStatusCode.OK);
            var done = await server.Client.WaitForJob(run.JobId, JobState.Succeeded, TimeSpan.FromSeconds(240));

            Assert.Equal(2, done.Attempts);
            var metrics = await server.Client.GetJson<RunEpochView[]>($"/api/v1/runs/{run.Id}/metrics");
            Assert.Equal(Enumerable.Range(1, Epochs), metrics.Select(m => m.Epoch));
            Assert.Equal(beforeKill, metrics[..beforeKill.Length]);
            var finished = await server.Client.GetJson<RunView>($"/api/v1/runs/{run.Id}");
            var weights = await server.Client.GetByteArrayAsync($"/api/v1/runs/{run.Id}/artifacts/weights");
            Assert.Equal(finished.WeightsArtifact, Convert.ToHexStringLower(SHA256.HashData(weights)));
            Assert.False(Directory.Exists(Path.Combine(_storage.DataDirectory, "checkpoints", run.Id.ToString())));
            AssertStoreIntact();
        }
    }

    /// <summary>Every file in the artifact store hashes to its name, and no write left a temporary behind.</summary>
    private void AssertStoreIntact()
    {
        var root = Path.Combine(_storage.DataDirectory, "artifacts");
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.staging/", StringComparison.Ordinal)))
        {
            using var stream = File.OpenRead(file);
            Assert.Equal(Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
    }
}
