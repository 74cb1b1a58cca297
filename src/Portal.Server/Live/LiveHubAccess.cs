using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Server.Auth;

namespace Portal.Server.Live;

/// <summary>
/// Keeps a live hub connection's right to be there current: every invocation checks the caller's principal again
/// (<see cref="PrincipalCheck"/>) against the hub's policy, and when the caller's principal changes
/// (<see cref="PrincipalChanges"/>: key revoked, role changed, signed out) the connection is checked at once and
/// closed, with its streams, if it no longer passes.
/// </summary>
public sealed class LiveHubAccess(PrincipalChanges changes, IServiceScopeFactory scopes, ILogger<LiveHubAccess> log) : IHubFilter
{
    /// <summary>Who may connect and invoke: a Viewer and up.</summary>
    public static readonly string Policy = PortalRoles.AtLeast(PortalRoles.Viewer);

    public const string Refusal = "Your API key or session no longer admits you to the live hub: it was revoked, expired or signed out. Connect again with a valid key or sign in.";

    private static readonly object s_watchKey = new();

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var connection = context.Context;
        if (connection.User?.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            connection.Items[s_watchKey] = changes.Watch(userId, () => _ = CloseUnlessAdmitted(connection));
        await next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (context.Context.Items.TryGetValue(s_watchKey, out var watch)) (watch as IDisposable)?.Dispose();
        return next(context, exception);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (!await Admitted(invocation.Context)) throw new HubException(Refusal);
        return await next(invocation);
    }

    private async Task CloseUnlessAdmitted(HubCallerContext connection)
    {
        try
        {
            if (!await Admitted(connection)) connection.Abort();
        }
        catch (Exception e)
        {
            // Failing closed: a connection whose principal cannot be checked does not keep streaming.
            log.LogWarning(e, "Closing live hub connection {Connection}: its principal could not be checked again.", connection.ConnectionId);
            connection.Abort();
        }
    }

    private async Task<bool> Admitted(HubCallerContext connection)
    {
        if (connection.User is not { } user) return false;
        await using var scope = scopes.CreateAsyncScope();
        var current = await scope.ServiceProvider.GetRequiredService<PrincipalCheck>().Current(user, connection.ConnectionAborted);
        if (current is null) return false;
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(current, Policy)).Succeeded;
    }
}
