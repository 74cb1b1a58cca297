using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>A portal whose storage refuses writes when the test says so (<see cref="Faults"/>).</summary>
public sealed class FaultyStoragePortal : PortalFactory
{
    public FaultyStoragePortal()
        : this(TestStorage.For(Environment.GetEnvironmentVariable("PORTAL_TEST_PROVIDER") is { Length: > 0 } p ? p : TestStorage.SqliteProvider))
    {
    }

    private FaultyStoragePortal(TestStorage storage)
        : base(storage, ownsStorage: true, AdminPassword)
    {
        Settings["Portal:RegisterBuiltinDatasets"] = "false";
    }

    public StorageFaults Faults { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(Faults.Install);
    }
}
