using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Client.Tests;

/// <summary>
/// A portal on a real loopback port (Kestrel), without the built-in datasets, whose hub connections a test can
/// cut (<see cref="DropHubConnections"/>) as a network failure would.
/// </summary>
public sealed class LivePortal : PortalFactory
{
    private readonly HubConnections _hubConnections = new();
    private Uri? _address;

    public LivePortal()
        : base(TestStorage.Sqlite(), ownsStorage: true, AdminPassword)
    {
        Settings["Portal:RegisterBuiltinDatasets"] = "false";
        UseKestrel(0);
    }

    /// <summary>36 inputs (6×6 images), 16 hidden, 3 classes.</summary>
    public static JsonElement TinySpec { get; } = JsonSerializer.SerializeToElement(new
    {
        name = "tiny-mlp",
        inputShape = new[] { 36 },
        layers = new object[] { new { type = "linear", outFeatures = 16 }, new { type = "relu" }, new { type = "linear", outFeatures = 3 } },
    });

    public Uri Address
    {
        get
        {
            if (_address is not null) return _address;
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return _address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
        }
    }

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

    /// <summary>Aborts every open hub connection from the server's side; returns how many there were.</summary>
    public int DropHubConnections() => _hubConnections.AbortAll();

    /// <summary>Uploads <paramref name="count"/> separable 6×6 images in 3 classes.</summary>
    public static async Task<Guid> UploadBlobs(PortalClient client, int count, int seed)
    {
        var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(count, 6, 3, seed);
        var dataset = await client.Datasets.ImportIdx($"blobs-{Guid.NewGuid().ToString("N")[..8]}", new MemoryStream(images), new MemoryStream(labels), ["a", "b", "c"]);
        return dataset.Id;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(_hubConnections);
            services.AddSignalR(o => o.AddFilter<HubConnections>());
            // Compression reports time parent and child briefly: the figures are not what these tests check.
            services.AddSingleton(new Portal.Engine.Evaluation.MeasurementOptions { LatencyRuns = 50, ThroughputDuration = TimeSpan.FromSeconds(0.1), Rounds = 1 });
        });
    }

    /// <summary>Remembers each hub connection while it is open, so a test can cut it.</summary>
    private sealed class HubConnections : IHubFilter
    {
        private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();

        public int AbortAll()
        {
            var open = _open.Values.ToList();
            foreach (var context in open) context.Abort();
            return open.Count;
        }

        public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            _open[context.Context.ConnectionId] = context.Context;
            return next(context);
        }

        public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
        {
            _open.TryRemove(context.Context.ConnectionId, out _);
            return next(context, exception);
        }
    }
}
