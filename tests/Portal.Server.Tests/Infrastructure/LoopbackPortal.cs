using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// A portal on a real loopback port (Kestrel) and fresh SQLite storage, for clients that talk HTTP and SignalR as
/// a user's would: the client's and the PowerShell module's test portals. A test can cut its hub connections
/// (<see cref="DropHubConnections"/>) as a network failure would.
/// </summary>
public abstract class LoopbackPortal : PortalFactory
{
    private readonly HubConnectionCutter _hubConnections = new();
    private Uri? _address;

    protected LoopbackPortal()
        : base(TestStorage.Sqlite(), ownsStorage: true, AdminPassword)
    {
        UseKestrel(0);
    }

    /// <summary>The portal's address (it starts on first use).</summary>
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

    /// <summary>Aborts every open hub connection from the server's side; returns how many there were.</summary>
    public int DropHubConnections() => _hubConnections.AbortAll();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            _hubConnections.Install(services);
            // Compression reports time parent and child briefly: the figures are not what these tests check.
            services.AddSingleton(new Portal.Engine.Evaluation.MeasurementOptions { LatencyRuns = 50, ThroughputDuration = TimeSpan.FromSeconds(0.1), Rounds = 1 });
        });
    }
}
