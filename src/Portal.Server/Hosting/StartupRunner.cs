namespace Portal.Server.Hosting;

/// <summary>
/// Runs every <see cref="IStartupTask"/> in order before the host starts anything else (the web server included),
/// so no request arrives before migrations, seeding and job recovery are done.
/// </summary>
public sealed class StartupRunner(IServiceProvider services, IEnumerable<IStartupTask> tasks) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var task in tasks.OrderBy(t => t.Order))
        {
            await using var scope = services.CreateAsyncScope();
            await task.Run(scope.ServiceProvider, cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
