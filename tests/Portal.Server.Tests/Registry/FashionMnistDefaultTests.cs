using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Training;
using Portal.Engine.Weights;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Jobs;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class FashionMnistDefaultTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_run_trained_on_fashion_mnist_train_is_evaluated_on_fashion_mnist_test_without_being_told()
    {
        // The MLP sees 2 000 training images for one epoch: far from its best, far above chance (0.1).
        var train = FashionMnist.LoadTrain();
        var subset = train.Select([.. Enumerable.Range(0, 2000)], BuiltinDatasets.TrainName);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = 3 };
        var result = await new Trainer().TrainToEnd(new TrainingRequest(ReadySpecs.FashionMlp, subset, null, options));
        Guid runId, testId;
        using (var scope = fixture.Portal.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
            // Registered by the server at start, as on any machine with Debian's dataset-fashion-mnist.
            var trainId = db.Datasets.Single(d => d.Name == BuiltinDatasets.TrainName).Id;
            testId = db.Datasets.Single(d => d.Name == BuiltinDatasets.TestName).Id;
            var weights = await store.Write(SafetensorsWriter.ToBytes(result.Model.Weights), CancellationToken.None);
            runId = RegistryFixture.AddRun(db, "fashion-mlp-run", ReadySpecs.FashionMlp, trainId, JobState.Succeeded, weights.Sha256, result.Model.Standardization, options);
            await db.SaveChangesAsync();
        }
        var model = await fixture.CreateModel("fashion");

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var version = (await response.Content.ReadFromJsonAsync<VersionView>())!;
        Assert.Equal(testId, version.Evidence.EvaluationDatasetId);
        Assert.Equal(BuiltinDatasets.TestName, version.Evidence.EvaluationDataset);
        Assert.Equal(10_000, version.Evidence.Evaluation!.Value.GetProperty("sampleCount").GetInt32());
        Assert.InRange(version.Evidence.Accuracy!.Value, 0.5, 1.0);
        Assert.Equal(FashionMnist.ClassNames, version.ClassNames);
        Assert.True(version.Evidence.LatencyP50Ms <= version.Evidence.LatencyP95Ms);
    }
}
