using System.Text.Json;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Client.Tests;

/// <summary>The client's test portal: a <see cref="LoopbackPortal"/> without the built-in datasets.</summary>
public sealed class LivePortal : LoopbackPortal
{
    public LivePortal()
    {
        Settings["Portal:RegisterBuiltinDatasets"] = "false";
    }

    /// <summary>36 inputs (6×6 images), 16 hidden, 3 classes.</summary>
    public static JsonElement TinySpec { get; } = JsonSerializer.SerializeToElement(new
    {
        name = "tiny-mlp",
        inputShape = new[] { 36 },
        layers = new object[] { new { type = "linear", outFeatures = 16 }, new { type = "relu" }, new { type = "linear", outFeatures = 3 } },
    });

    /// <summary>A client of a new user of this role, with that user's API key.</summary>
    public async Task<PortalClient> ClientAs(string role, Action<PortalClientOptions>? configure = null)
    {
        _ = Address;
        var user = await CreateUser(role);
        return Client(user.ApiKey, configure);
    }

    public PortalClient Client(string apiKey, Action<PortalClientOptions>? configure = null)
    {
        var options = new PortalClientOptions { BaseAddress = Address, ApiKey = apiKey, RetryDelay = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(options);
        return new PortalClient(options);
    }

    /// <summary>Uploads <paramref name="count"/> separable 6×6 images in 3 classes.</summary>
    public static async Task<Guid> UploadBlobs(PortalClient client, int count, int seed)
    {
        var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(count, 6, 3, seed);
        var dataset = await client.Datasets.ImportIdx($"blobs-{Guid.NewGuid().ToString("N")[..8]}", new MemoryStream(images), new MemoryStream(labels), ["a", "b", "c"]);
        return dataset.Id;
    }
}
