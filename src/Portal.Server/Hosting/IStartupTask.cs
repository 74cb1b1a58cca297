namespace Portal.Server.Hosting;

/// <summary>Work that must finish before the server takes requests (migrations, seeding, job recovery), run in <see cref="Order"/>.</summary>
public interface IStartupTask
{
    int Order { get; }

    Task Run(IServiceProvider services, CancellationToken ct);
}
