using System.Security.Claims;
using Bunit;
using MudBlazor.Services;
using Portal.Server.Auth;

namespace Portal.Ui.Tests.Components;

/// <summary>
/// A bunit context with MudBlazor's services and loose JS interop. Held, not derived from: with xunit v2 the
/// context must be disposed asynchronously (MudBlazor registers an IAsyncDisposable-only service).
/// </summary>
public abstract class ComponentContext : IAsyncLifetime
{
    protected BunitContext Context { get; } = new();

    protected ComponentContext()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServices();
    }

    protected static CurrentUser User(string name, params string[] roles) => ComponentContextUsers.Make(name, roles);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Context.DisposeAsync();
}

internal static class ComponentContextUsers
{
    public static CurrentUser Make(string name, params string[] roles) =>
        new(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test")));
}
