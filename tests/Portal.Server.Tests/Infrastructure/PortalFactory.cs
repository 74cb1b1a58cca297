using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// A whole portal in memory over a fresh temporary data folder (SQLite file, artifacts), with the first admin's
/// password set, and clients signed in as users of any role through the public API.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "admin-password-for-tests";
    public const string UserPassword = "user-password-for-tests";

    private readonly SemaphoreSlim _adminGate = new(1, 1);
    private HttpClient? _admin;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"portal-tests-{Guid.NewGuid():N}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Portal:DataDirectory", DataDirectory);
        builder.UseSetting("Portal:AdminPassword", AdminPassword);
    }

    /// <summary>A client signed in (cookie) as the first admin.</summary>
    public async Task<HttpClient> Admin()
    {
        await _adminGate.WaitAsync();
        try
        {
            if (_admin is not null) return _admin;
            var client = CreateClient();
            var signIn = await client.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "admin", password = AdminPassword });
            signIn.EnsureSuccessStatusCode();
            return _admin = client;
        }
        finally
        {
            _adminGate.Release();
        }
    }

    /// <summary>A new user of <paramref name="role"/>, created by the admin, and a client sending that user's API key.</summary>
    public async Task<(HttpClient Client, string UserName)> ClientAs(string role)
    {
        var admin = await Admin();
        var userName = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}"[..20];
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName, password = UserPassword, role });
        created.EnsureSuccessStatusCode();
        var user = await created.Content.ReadFromJsonAsync<CreatedUser>() ?? throw new InvalidOperationException("No user in the response.");
        var key = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "tests", expiresInDays = 1, userId = user.Id });
        key.EnsureSuccessStatusCode();
        var secret = (await key.Content.ReadFromJsonAsync<CreatedKey>())?.Secret ?? throw new InvalidOperationException("No key in the response.");
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", secret);
        return (client, userName);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _admin?.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing background task; the temp folder is cleaned by the OS in time.
        }
    }

    private sealed record CreatedUser(string Id);

    private sealed record CreatedKey(string Secret);
}
