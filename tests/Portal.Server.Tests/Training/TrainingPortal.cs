using System.Net;
using Portal.Contracts.Datasets;
using Portal.Contracts.Training;
using Portal.Server.Datasets;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Training;

namespace Portal.Server.Tests.Training;

/// <summary>A portal without the built-in datasets, and the small pieces a training test needs.</summary>
public sealed class TrainingPortal : PortalFactory
{
    public TrainingPortal()
        : this(TestStorage.Sqlite(), ownsStorage: true)
    {
    }

    private TrainingPortal(TestStorage storage, bool ownsStorage)
        : base(storage, ownsStorage, AdminPassword)
    {
        Settings["Portal:RegisterBuiltinDatasets"] = "false";
    }

    /// <summary>A second portal on this storage, as after a restart (dispose the first one before).</summary>
    public static TrainingPortal On(TestStorage storage) => new(storage, ownsStorage: false);

    /// <summary>36 inputs (6×6 images), 16 hidden, 3 classes.</summary>
    public static object TinySpec { get; } = new
    {
        name = "tiny-mlp",
        inputShape = new[] { 36 },
        layers = new object[] { new { type = "linear", outFeatures = 16 }, new { type = "relu" }, new { type = "linear", outFeatures = 3 } },
    };

    public string CheckpointDirectory(Guid runId) => Path.Combine(Storage.DataDirectory, "checkpoints", runId.ToString());

    /// <summary>Uploads <paramref name="count"/> separable 6×6 images in 3 classes as an IDX dataset.</summary>
    public static async Task<Guid> UploadBlobs(HttpClient client, int count, int seed)
    {
        var (images, labels) = IdxFiles.Separable(count, 6, 3, seed);
        var name = $"blobs-{Guid.NewGuid().ToString("N")[..8]}";
        var created = await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx(name, images, labels)))
            .ReadJson<DatasetView>(HttpStatusCode.Created);
        return created.Id;
    }

    public static async Task<RunView> CreateRun(HttpClient client, object request) =>
        await (await client.PostJson("/api/v1/runs", request)).ReadJson<RunView>(HttpStatusCode.Created);
}
