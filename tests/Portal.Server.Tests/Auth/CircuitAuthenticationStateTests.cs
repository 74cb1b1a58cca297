using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Auth;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>
/// A Blazor circuit's user follows the store: a role change replaces the role, signing out makes the circuit
/// anonymous. The circuit is the server's own scoped AuthenticationStateProvider, given the user as Blazor gives it
/// at a circuit's start; waits are bounded by <see cref="s_bound"/> (the promise is "within 2 s"), never measured.
/// </summary>
public sealed class CircuitAuthenticationStateTests : IClassFixture<PortalFactory>
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(2);

    private readonly PortalFactory _portal;

    public CircuitAuthenticationStateTests(PortalFactory portal) => _portal = portal;

    [Fact]
    public async Task A_role_change_reaches_an_open_circuit_at_once()
    {
        var user = await _portal.CreateUser(PortalRoles.Approver);
        await using var circuit = await OpenCircuit(user);
        var changed = circuit.NextState();

        await (await (await _portal.AdminClient()).PutJson($"/api/v1/users/{user.Id}/role", new ChangeRoleRequest(PortalRoles.Viewer)))
            .AssertStatus(HttpStatusCode.OK);

        var now = await WithinBound(changed);
        Assert.True(now.User.IsInRole(PortalRoles.Viewer));
        Assert.False(now.User.IsInRole(PortalRoles.Approver));
        Assert.Equal(user.UserName, now.User.Identity?.Name);
    }

    [Fact]
    public async Task Signing_out_makes_the_users_open_circuit_anonymous()
    {
        var user = await _portal.CreateUser(PortalRoles.Contributor);
        var browser = await _portal.SignIn(user.UserName, user.Password);
        await using var circuit = await OpenCircuit(user);
        var changed = circuit.NextState();

        await (await browser.PostAsync("/api/v1/auth/sign-out", null)).AssertStatus(HttpStatusCode.NoContent);

        var now = await WithinBound(changed);
        Assert.False(now.User.Identity?.IsAuthenticated ?? false);
    }

    private static async Task<AuthenticationState> WithinBound(Task<AuthenticationState> changed)
    {
        var first = await Task.WhenAny(changed, Task.Delay(s_bound));
        Assert.True(first == changed, "The circuit's user did not change within the bound.");
        return await changed;
    }

    /// <summary>A circuit's scope with the user signed in by cookie, as the circuit receives it from the browser's request.</summary>
    private async Task<Circuit> OpenCircuit(TestUser user)
    {
        var scope = _portal.Services.CreateAsyncScope();
        ClaimsPrincipal principal;
        await using (var signInScope = _portal.Services.CreateAsyncScope())
        {
            var users = signInScope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var signIn = signInScope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
            principal = await signIn.CreateUserPrincipalAsync((await users.FindByIdAsync(user.Id))!);
        }
        var state = scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        ((IHostEnvironmentAuthenticationStateProvider)state).SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        return new Circuit(scope, state);
    }

    private sealed class Circuit(AsyncServiceScope scope, AuthenticationStateProvider state) : IAsyncDisposable
    {
        /// <summary>The next state the circuit's user takes.</summary>
        public Task<AuthenticationState> NextState()
        {
            var next = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
            state.AuthenticationStateChanged += async changed => next.TrySetResult(await changed);
            return next.Task;
        }

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }
}
