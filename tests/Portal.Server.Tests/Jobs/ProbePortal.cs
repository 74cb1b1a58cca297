using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

/// <summary>A portal whose runner also runs <see cref="ProbeJobHandler"/> jobs; <see cref="Restart"/> starts another on the same storage.</summary>
public sealed class ProbePortal : PortalFactory
{
    public ProbePortal()
        : this(TestStorage.Sqlite(), ownsStorage: true)
    {
    }

    private ProbePortal(TestStorage storage, bool ownsStorage)
        : base(storage, ownsStorage, AdminPassword)
    {
        Settings["Portal:RegisterBuiltinDatasets"] = "false";
    }

    public ProbeJobHandler Probe { get; } = new();

    /// <summary>Makes storage refuse writes on demand.</summary>
    public StorageFaults Faults { get; } = new();

    /// <summary>A second portal on this one's storage (dispose this one first, as a restart would).</summary>
    public static ProbePortal Restart(TestStorage storage) => new(storage, ownsStorage: false);

    /// <summary>Queues a probe job created by <paramref name="createdBy"/>, as a feature would (enqueue, then save).</summary>
    public async Task<Guid> Enqueue(ProbeJobHandler.Payload payload, string createdBy)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Portal.Server.Persistence.PortalDbContext>();
        var job = scope.ServiceProvider.GetRequiredService<JobQueue>().Enqueue(db, ProbeJobHandler.ProbeKind, payload, createdBy);
        await db.SaveChangesAsync();
        return job.Id;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IJobHandler>(Probe);
            Faults.Install(services);
        });
    }
}
