using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// Remembers each live hub connection while it is open, so a test can cut them all from the server's side
/// (<see cref="AbortAll"/>) as a network failure would. <see cref="Install"/> puts it into a portal's services.
/// </summary>
public sealed class HubConnectionCutter : IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();

    public void Install(IServiceCollection services)
    {
        services.AddSingleton(this);
        services.AddSignalR(o => o.AddFilter<HubConnectionCutter>());
    }

    /// <summary>Aborts every open hub connection; returns how many there were.</summary>
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
