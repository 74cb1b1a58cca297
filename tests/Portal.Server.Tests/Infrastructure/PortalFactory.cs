using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Portal.Contracts.Auth;
using Portal.Server.Auth;
using Portal.Server.Persistence;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// A portal in memory for one test class (<c>IClassFixture&lt;PortalFactory&gt;</c>) or one test (<c>using var portal = new PortalFactory();</c>).
/// It runs on its own <see cref="TestStorage"/> (SQLite in a fresh temp folder by default; <c>PortalFactory.On(TestStorage.Postgres())</c>,
/// <see cref="PostgresPortalFactory"/> or PORTAL_TEST_PROVIDER=postgres for PostgreSQL), with the first admin's password set to <see cref="AdminPassword"/>
/// and <see cref="Clock"/> as the server's TimeProvider.
/// <list type="bullet">
/// <item><see cref="CreateClientAs"/>(role): a new user of that role, created by the admin through the API, calling with its own API key.</item>
/// <item><see cref="CreateUser"/>(role): the same, with the user's id, name, password and key (for "someone else" tests).</item>
/// <item><see cref="AdminClient"/>: the admin, signed in with the cookie. <see cref="AnonymousClient"/>: nobody.</item>
/// <item><see cref="InDatabase{T}"/>: a scoped PortalDbContext, to arrange or inspect what the API cannot.</item>
/// <item><see cref="Settings"/>: extra configuration (e.g. <c>["Portal:Jobs:TrainingConcurrency"] = "2"</c>), set before the first
/// client — for a class fixture, in the constructor of a subclass.</item>
/// <item><see cref="Clock"/>.Advance(…): "later" for expiry tests (it moves cookie expiry too: sign in again afterwards).</item>
/// </list>
/// JSON and problem-details assertions are in <see cref="HttpJson"/> and <see cref="ProblemAssert"/>.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminUserName = AdminBootstrap.AdminUserName;
    public const string AdminPassword = "admin-password-for-tests";

    private readonly bool _ownsStorage;
    private readonly SemaphoreSlim _adminGate = new(1, 1);
    private HttpClient? _admin;
    private bool _storageReleased;

    /// <summary>A portal on fresh SQLite storage, or on a fresh PostgreSQL database when PORTAL_TEST_PROVIDER=postgres.</summary>
    public PortalFactory()
        : this(TestStorage.For(Environment.GetEnvironmentVariable("PORTAL_TEST_PROVIDER") is { Length: > 0 } p ? p : TestStorage.SqliteProvider), ownsStorage: true, AdminPassword)
    {
    }

    // xunit needs a fixture to have one public constructor; other storages come through On(...).
    protected PortalFactory(TestStorage storage, bool ownsStorage, string? adminPassword)
    {
        Storage = storage;
        _ownsStorage = ownsStorage;
        ConfiguredAdminPassword = adminPassword;
    }

    public TestStorage Storage { get; }

    /// <summary>
    /// Starts the portal on a real Kestrel port (for what the in-memory server lacks: body limits, SignalR's
    /// transports) and gives its address.
    /// </summary>
    public Uri StartOnKestrel()
    {
        UseKestrel(0);
        StartServer();
        return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>A portal on <paramref name="storage"/>; give the same storage to a second factory to "restart" the portal.</summary>
    /// <param name="ownsStorage">Delete the storage when this factory is disposed.</param>
    /// <param name="adminPassword">Portal:AdminPassword; null runs the portal without one (it prints a one-time password).</param>
    public static PortalFactory On(TestStorage storage, bool ownsStorage = false, string? adminPassword = AdminPassword) =>
        new(storage, ownsStorage, adminPassword);

    public string? ConfiguredAdminPassword { get; }

    /// <summary>The server's TimeProvider: real time, moved forward by <see cref="TestClock.Advance"/>.</summary>
    public TestClock Clock { get; } = new();

    /// <summary>Configuration keys added to the portal's own; fill before the first client or service is asked for.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public HttpClient AnonymousClient() => CreateClient();

    /// <summary>The admin, signed in through /api/v1/auth/sign-in with the cookie (one client per factory).</summary>
    public async Task<HttpClient> AdminClient()
    {
        await _adminGate.WaitAsync();
        try
        {
            return _admin ??= await SignIn(AdminUserName, ConfiguredAdminPassword
                ?? throw new InvalidOperationException("This factory has no configured admin password to sign in with."));
        }
        finally
        {
            _adminGate.Release();
        }
    }

    /// <summary>A client signed in with the cookie; fails the test when sign-in does not succeed.</summary>
    public async Task<HttpClient> SignIn(string userName, string password)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/auth/sign-in", new SignInRequest(userName, password), HttpJson.Options);
        await response.ReadJson<Me>();
        return client;
    }

    /// <summary>A client of a new user with this role (Viewer, Contributor, Approver or Admin), authenticating with an API key.</summary>
    public async Task<HttpClient> CreateClientAs(string role) => (await CreateUser(role)).Client;

    /// <summary>
    /// A new user with this role, created by the admin through /api/v1/users, and an API key the admin created for it
    /// through /api/v1/api-keys; <see cref="TestUser.Client"/> sends that key as X-Api-Key.
    /// </summary>
    public async Task<TestUser> CreateUser(string role, string? userName = null)
    {
        var admin = await AdminClient();
        userName ??= $"{role.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
        var password = $"password-of-{userName}";
        var user = await (await admin.PostJson("/api/v1/users", new CreateUserRequest(userName, password, role)))
            .ReadJson<UserView>(System.Net.HttpStatusCode.Created);
        var key = await (await admin.PostJson("/api/v1/api-keys", new CreateKeyRequest($"tests-{userName}", null, user.Id)))
            .ReadJson<CreatedKeyView>(System.Net.HttpStatusCode.Created);
        return new TestUser(user.Id, userName, password, user.Role, key.Secret, ClientWithKey(key.Secret));
    }

    /// <summary>A client that sends this API key as X-Api-Key (and keeps no cookies).</summary>
    public HttpClient ClientWithKey(string apiKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        return client;
    }

    /// <summary>Runs <paramref name="work"/> with a PortalDbContext of its own scope (the server's provider and interceptors).</summary>
    public async Task<T> InDatabase<T>(Func<PortalDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    public Task InDatabase(Func<PortalDbContext, Task> work) => InDatabase(async db =>
    {
        await work(db);
        return true;
    });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting reaches the configuration that PortalServer.Build reads before the host is built.
        builder.UseSetting("Portal:DataDirectory", Storage.DataDirectory);
        builder.UseSetting("Portal:Database:Provider", Storage.Provider);
        if (Storage.ConnectionString is { } connection) builder.UseSetting("Portal:Database:ConnectionString", connection);
        if (ConfiguredAdminPassword is { } password) builder.UseSetting("Portal:AdminPassword", password);
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    protected override void Dispose(bool disposing)
    {
        // The base stops and disposes the host first, so the storage is released after its last connection.
        base.Dispose(disposing);
        if (!disposing || !_ownsStorage || _storageReleased) return;
        _storageReleased = true;
        Storage.Dispose();
    }
}
