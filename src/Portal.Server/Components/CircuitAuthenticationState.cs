using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Portal.Server.Auth;

namespace Portal.Server.Components;

/// <summary>
/// A circuit's user, kept current: when the user's principal changes (<see cref="PrincipalChanges"/>: role
/// changed, signed out, key revoked) the circuit checks it again at once (<see cref="PrincipalCheck"/>). A user
/// who no longer authenticates becomes anonymous, so the router sends the page to sign-in and the circuit ends;
/// a changed role replaces the old one, so pages and their checks see the new rights.
/// </summary>
public sealed class CircuitAuthenticationState : ServerAuthenticationStateProvider, IDisposable
{
    private static readonly AuthenticationState s_anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly PrincipalChanges _changes;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<CircuitAuthenticationState> _log;
    private readonly Lock _gate = new();
    private IDisposable? _watch;
    private string? _watchedUser;
    private bool _ended;

    public CircuitAuthenticationState(PrincipalChanges changes, IServiceScopeFactory scopes, ILogger<CircuitAuthenticationState> log)
    {
        _changes = changes;
        _scopes = scopes;
        _log = log;
        AuthenticationStateChanged += Follow;
    }

    private void Follow(Task<AuthenticationState> state) => _ = FollowUser(state);

    private async Task FollowUser(Task<AuthenticationState> state)
    {
        var userId = (await state).User.FindFirstValue(ClaimTypes.NameIdentifier);
        lock (_gate)
        {
            if (_ended || userId == _watchedUser) return;
            _watch?.Dispose();
            _watchedUser = userId;
            _watch = userId is null ? null : _changes.Watch(userId, () => _ = CheckAgain());
        }
    }

    private async Task CheckAgain()
    {
        AuthenticationState next;
        try
        {
            var principal = (await GetAuthenticationStateAsync()).User;
            await using var scope = _scopes.CreateAsyncScope();
            next = await scope.ServiceProvider.GetRequiredService<PrincipalCheck>().Current(principal, CancellationToken.None) is { } current
                ? new AuthenticationState(current)
                : s_anonymous;
        }
        catch (Exception e)
        {
            // Failing closed: a user whose principal cannot be checked is signed out of the circuit.
            _log.LogWarning(e, "The circuit's user could not be checked again; treating it as signed out.");
            next = s_anonymous;
        }
        if (!Volatile.Read(ref _ended)) SetAuthenticationState(Task.FromResult(next));
    }

    public void Dispose()
    {
        AuthenticationStateChanged -= Follow;
        lock (_gate)
        {
            _ended = true;
            _watch?.Dispose();
            _watch = null;
        }
    }
}
