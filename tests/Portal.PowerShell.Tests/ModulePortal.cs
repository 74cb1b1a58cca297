using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Tests.Infrastructure;

namespace Portal.PowerShell.Tests;

/// <summary>
/// A real portal on a loopback port and a hosted PowerShell 7.6 engine (the full engine of Microsoft.PowerShell.SDK,
/// utility modules included) with modules/Portal imported, as a user's session would have it; <see cref="RealPwsh"/>
/// runs scripts against the same portal in a real pwsh process. Hub connections can be cut from the server's side
/// (<see cref="DropHubConnections"/>).
/// </summary>
public sealed class ModulePortal : PortalFactory
{
    private readonly HubConnections _hubConnections = new();
    private Runspace? _runspace;
    private Uri? _address;

    public ModulePortal()
        : base(TestStorage.Sqlite(), ownsStorage: true, AdminPassword)
    {
        UseKestrel(0);
    }

    public CapturingHost Host { get; } = new();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder a user puts on <c>$env:PSModulePath</c> so that <c>Import-Module Portal</c> finds the module.</summary>
    public static string ModulesFolder { get; } = Path.Combine(RepositoryRoot, "modules");

    public static string ModuleManifest { get; } = Path.Combine(ModulesFolder, "Portal", "Portal.psd1");

    public Uri Address
    {
        get
        {
            if (_address is not null) return _address;
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return _address = new Uri(address + "/");
        }
    }

    public Runspace Runspace
    {
        get
        {
            if (_runspace is not null) return _runspace;
            if (!File.Exists(Path.Combine(Path.GetDirectoryName(ModuleManifest)!, "Portal.PowerShell.dll")))
                throw new InvalidOperationException($"The module is not built: no Portal.PowerShell.dll beside {ModuleManifest} (run scripts/setup.sh, or build src/Portal.PowerShell in Release).");
            // As a user who put modules/ on their module path: README's script imports the module by name.
            var modulePath = Environment.GetEnvironmentVariable("PSModulePath") ?? "";
            if (!modulePath.Split(Path.PathSeparator).Contains(ModulesFolder))
                Environment.SetEnvironmentVariable("PSModulePath", string.Join(Path.PathSeparator, new[] { ModulesFolder, modulePath }.Where(p => p.Length > 0)));
            var runspace = RunspaceFactory.CreateRunspace(Host, InitialSessionState.CreateDefault());
            runspace.Open();
            _runspace = runspace;
            Invoke($"Import-Module '{ModuleManifest}' -ErrorAction Stop");
            return runspace;
        }
    }

    /// <summary>A new user of this role and the module connected as them.</summary>
    public async Task<TestUser> ConnectAs(string role)
    {
        _ = Address;
        var user = await CreateUser(role);
        Connect(user.ApiKey);
        return user;
    }

    public void Connect(string apiKey) => Invoke("Connect-Portal -Uri $uri -ApiKey $key -ErrorAction Stop", new() { ["uri"] = Address, ["key"] = apiKey });

    /// <summary>Runs <paramref name="script"/> with <paramref name="variables"/> set; returns the output and the streams.</summary>
    public ScriptResult Run(string script, Dictionary<string, object?>? variables = null, PSDataCollection<PSObject>? output = null)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = Runspace;
        foreach (var (name, value) in variables ?? []) Runspace.SessionStateProxy.SetVariable(name, value);
        ps.AddScript(script);
        Collection<PSObject> results;
        if (output is null)
        {
            results = ps.Invoke();
        }
        else
        {
            ps.Invoke<PSObject, PSObject>(null, output, new PSInvocationSettings());
            results = [.. output];
        }
        return new ScriptResult([.. results], [.. ps.Streams.Error], [.. ps.Streams.Progress], [.. ps.Streams.Warning], [.. ps.Streams.Verbose]);
    }

    /// <summary>Runs <paramref name="script"/> and fails the test on any error record.</summary>
    public IReadOnlyList<PSObject> Invoke(string script, Dictionary<string, object?>? variables = null)
    {
        var result = Run(script, variables);
        Assert.True(result.Errors.Count == 0, $"The script wrote errors:\n{string.Join("\n", result.Errors.Select(e => e.ToString()))}\nScript:\n{script}");
        return result.Output;
    }

    /// <summary>Aborts every open hub connection from the server's side; returns how many there were.</summary>
    public int DropHubConnections() => _hubConnections.AbortAll();

    public static JsonSpec TinySpec { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(_hubConnections);
            services.AddSignalR(o => o.AddFilter<HubConnections>());
            // Compression reports time parent and child briefly: the figures are not what these tests check.
            services.AddSingleton(new Portal.Engine.Evaluation.MeasurementOptions { LatencyRuns = 50, ThroughputDuration = TimeSpan.FromSeconds(0.1), Rounds = 1 });
        });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_runspace is { RunspaceStateInfo.State: RunspaceState.Opened }) Run("Disconnect-Portal");
            _runspace?.Dispose();
        }
        base.Dispose(disposing);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}.");
    }

    private sealed class HubConnections : IHubFilter
    {
        private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();

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
}

/// <summary>What a script gave: its output objects and the engine's streams.</summary>
public sealed record ScriptResult(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<WarningRecord> Warnings, IReadOnlyList<VerboseRecord> Verbose);

/// <summary>A tiny network for 6×6 images in 3 classes, as the PowerShell hashtable a user would write.</summary>
public sealed class JsonSpec
{
    public string Script => "@{ name = 'tiny-mlp'; inputShape = @(36); layers = @(@{ type = 'linear'; outFeatures = 16 }, @{ type = 'relu' }, @{ type = 'linear'; outFeatures = 3 }) }";
}
