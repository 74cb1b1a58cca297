using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Portal.Server.Tests.Infrastructure;

namespace Portal.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real portal, started from its Release build output as a child process on a free loopback port, with its
/// own data folder and a known admin password; users of each role are created through the REST API.
/// Development environment: the build output serves its static assets (MudBlazor's, wwwroot's) from their
/// sources only there; a published server serves them from its own folder.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-e2e";
    public const string UserPassword = "user-password-for-e2e";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private PortalProcess(Process process, Uri address, string data)
    {
        _process = process;
        Address = address;
        DataDirectory = data;
    }

    public Uri Address { get; }

    public string DataDirectory { get; }

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <param name="dataDirectory">An earlier portal's data folder, to start it again as after a crash; null for a fresh one.</param>
    public static async Task<PortalProcess> Start(string? dataDirectory = null)
    {
        var project = Path.GetFullPath(typeof(PortalProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "PortalServerDirectory").Value!);
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "linux-x64", "Portal.Server.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"The server is not built: {dll} is missing (dotnet build src/Portal.Server -c Release).");
        var data = dataDirectory ?? Directory.CreateTempSubdirectory("portal-e2e-").FullName;
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet", [dll, "--contentRoot", project])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = project,
        };
        info.Environment["PORTAL_DATA"] = data;
        info.Environment["PORTAL_PORT"] = port.ToString();
        info.Environment["PORTAL_ADMIN_PASSWORD"] = AdminPassword;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}"), data);
        process.OutputDataReceived += (_, e) => portal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await portal.WaitUntilUp(TimeSpan.FromSeconds(90));
        return portal;
    }

    /// <summary>Creates a user with <paramref name="role"/> through the Admin's REST API.</summary>
    public async Task CreateUser(string userName, string role)
    {
        using var admin = await SignedInClient("admin", AdminPassword);
        var response = await admin.PostAsJsonAsync("/api/v1/users", new { userName, password = UserPassword, role });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Creating {userName} ({role}) failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<HttpClient> SignedInClient(string userName, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = Address };
        var response = await client.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName, password });
        response.EnsureSuccessStatusCode();
        return client;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitUntilUp(TimeSpan limit)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        await Poll.Until(() => IsUp(client), limit, () => $"The portal did not come up within {limit}:\n{Log}", TimeSpan.FromMilliseconds(250));
    }

    private async Task<bool> IsUp(HttpClient client)
    {
        if (_process.HasExited) throw new InvalidOperationException($"The portal exited with {_process.ExitCode}:\n{Log}");
        try
        {
            // Up once the sign-in page renders and the admin exists (start-up tasks have run).
            var response = await client.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "admin", password = AdminPassword });
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Not listening yet, or too busy starting to answer within the client's timeout.
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the process (SIGKILL, as a crash or power loss would) and keeps its data folder for a restart.</summary>
    public async Task Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
