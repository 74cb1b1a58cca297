using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Portal.Contracts.Auth;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Training;

/// <summary>
/// The real server executable (the build output of src/Portal.Server, same configuration as these tests) as a child
/// process on a free loopback port, with its own data folder: what a test needs to kill it as the OS would.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public int Port { get; }

    /// <summary>Signed in as the admin (cookie) once <see cref="Start"/> returns.</summary>
    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<ServerProcess> Start(string dataDirectory, string adminPassword)
    {
        var port = FreePort();
        var (file, arguments) = Executable();
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["PORTAL_DATA"] = dataDirectory;
        start.Environment["PORTAL_ADMIN_PASSWORD"] = adminPassword;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var server = new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}."), port);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilServing(TimeSpan.FromSeconds(90));
            var signIn = await server.Client.PostAsJsonAsync("/api/v1/auth/sign-in", new SignInRequest(AdminBootstrap.AdminUserName, adminPassword), HttpJson.Options);
            await signIn.AssertStatus(HttpStatusCode.OK);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the OS or an operator kills the process.</summary>
    public async Task Kill()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited) await Kill();
        _process.Dispose();
    }

    private async Task WaitUntilServing(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new Xunit.Sdk.XunitException($"The server exited with code {_process.ExitCode} while starting:\n{Output}");
            try
            {
                if ((await Client.GetAsync("/openapi/v1.json")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (clock.Elapsed > timeout) throw new Xunit.Sdk.XunitException($"The server did not answer within {timeout}:\n{Output}");
            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>src/Portal.Server's build output for the configuration these tests were built in (bin/Release/net10.0/linux-x64/).</summary>
    private static (string File, string[] Arguments) Executable()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Portal.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}.");
        var output = Path.GetRelativePath(Path.Combine(root.FullName, "tests", "Portal.Server.Tests"), AppContext.BaseDirectory);
        var folder = Path.Combine(root.FullName, "src", "Portal.Server", output);
        var apphost = Path.Combine(folder, "Portal.Server");
        if (File.Exists(apphost)) return (apphost, []);
        var dll = Path.Combine(folder, "Portal.Server.dll");
        if (File.Exists(dll)) return ("dotnet", [dll]);
        throw new InvalidOperationException($"The server is not built at {folder}; build src/Portal.Server in the same configuration as the tests.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
