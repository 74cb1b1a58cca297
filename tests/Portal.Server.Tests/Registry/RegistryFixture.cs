using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Datasets;
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
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Training;

namespace Portal.Server.Tests.Registry;

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "registry";
}

/// <summary>
/// One portal for the registry's HTTP tests, holding what a finished training would have left: two synthetic image
/// datasets (train and held-out test) stored as IDX files, a tiny MLP trained on the train split by the engine, its
/// safetensors weights, and a succeeded run pointing at them (plus a run still in progress).
/// </summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public static readonly ModelSpec Spec = new("tiny-mlp", [SyntheticImages.Pixels], [new LinearLayer(8), new ReLULayer(), new LinearLayer(2)]);
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public RegistryPortal Portal { get; } = new();
    public Guid TrainDatasetId { get; private set; }
    public Guid TestDatasetId { get; private set; }
    public int TestCount { get; } = 120;
    public Guid RunId { get; private set; }
    public Guid UnfinishedRunId { get; private set; }
    public string WeightsSha { get; private set; } = "";
    public HttpClient Contributor { get; private set; } = null!;
    public string ContributorName { get; private set; } = "";
    public HttpClient Viewer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var train = SyntheticImages.Create(240, seed: 1);
        var test = SyntheticImages.Create(TestCount, seed: 2);
        using (var scope = Portal.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
            TrainDatasetId = await AddDataset(db, store, "synthetic-train", train);
            TestDatasetId = await AddDataset(db, store, "synthetic-test", test);

            var options = new TrainingOptions { Epochs = 4, BatchSize = 16, Optimizer = new OptimizerOptions { LearningRate = 0.01 }, Seed = 7 };
            var result = await new Trainer().TrainToEnd(new TrainingRequest(Spec, train.ToDataset("synthetic-train"), null, options));
            var weights = SafetensorsWriter.ToBytes(result.Model.Weights);
            WeightsSha = (await store.Write(weights, CancellationToken.None)).Sha256;

            RunId = AddRun(db, "tiny-run", Spec, TrainDatasetId, JobState.Succeeded, WeightsSha, result.Model.Standardization, options);
            UnfinishedRunId = AddRun(db, "tiny-run-in-progress", Spec, TrainDatasetId, JobState.Running, null, null, options);
            await db.SaveChangesAsync();
        }
        var contributor = await Portal.CreateUser("Contributor");
        (Contributor, ContributorName) = (contributor.Client, contributor.UserName);
        Viewer = await Portal.CreateClientAs("Viewer");
    }

    public Task DisposeAsync()
    {
        Portal.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Creates a model with a name no other test uses.</summary>
    public async Task<string> CreateModel(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var response = await Contributor.PostAsJsonAsync("/api/v1/models", new { name, description = "made by a test" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    public async Task<VersionView> RegisterFromRun(string model)
    {
        var response = await Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = RunId, evaluationDatasetId = TestDatasetId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<VersionView>())!;
    }

    private static async Task<Guid> AddDataset(PortalDbContext db, ArtifactStore store, string name, SyntheticImages data)
    {
        var record = new DatasetRecord
        {
            Name = name,
            Format = DatasetFormat.Idx,
            SampleShape = [1, SyntheticImages.Side, SyntheticImages.Side],
            Count = data.Count,
            ClassNames = SyntheticImages.ClassNames,
            PrimaryArtifact = (await store.Write(data.ImagesIdx, CancellationToken.None)).Sha256,
            LabelsArtifact = (await store.Write(data.LabelsIdx, CancellationToken.None)).Sha256,
            CreatedBy = "tests",
        };
        db.Datasets.Add(record);
        return record.Id;
    }

    /// <summary>A run as the training feature leaves it: its job in <paramref name="state"/>, its weights (if any) in the store.</summary>
    public static Guid AddRun(
        PortalDbContext db, string name, ModelSpec spec, Guid datasetId, JobState state, string? weights, FeatureStandardization? standardization, TrainingOptions options)
    {
        var run = new TrainingRun
        {
            Name = name,
            DatasetId = datasetId,
            SpecJson = spec.ToJson(),
            OptionsJson = JsonSerializer.Serialize(options, s_json),
            CreatedBy = "tests",
            WeightsArtifact = weights,
            StandardizationJson = standardization is null ? null : JsonSerializer.Serialize(standardization, s_json),
        };
        var job = new JobRecord { Kind = JobKinds.Training, State = state, Payload = JsonSerializer.Serialize(new { runId = run.Id }), CreatedBy = "tests" };
        run.JobId = job.Id;
        db.Jobs.Add(job);
        db.Runs.Add(run);
        return run.Id;
    }
}

/// <summary>
/// The portal with shorter measurements (one round of batch-64 runs for 0.2 s, for versions and compression reports alike), to keep the suite fast.
/// Serving runs two ONNX Runtime threads, not the engine's default of one, so tests see evidence measured as serving runs.
/// </summary>
public sealed class RegistryPortal : PortalFactory
{
    public const int ServingThreads = 2;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Portal:Serving:IntraOpThreads", ServingThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(new Portal.Engine.Evaluation.MeasurementOptions { ThroughputDuration = TimeSpan.FromMilliseconds(200), Rounds = 1 });
        });
    }
}
