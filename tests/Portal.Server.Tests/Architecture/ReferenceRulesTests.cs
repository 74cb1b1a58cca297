using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Portal.Contracts;

namespace Portal.Server.Tests.Architecture;

/// <summary>
/// The design's assembly references, read from the compiled assemblies: the engine knows no other Portal assembly,
/// the contracts know only the base class library, the client knows no Portal assembly (it builds the contracts'
/// records in), and nothing the PowerShell module ships reaches the server or the engine.
/// </summary>
public sealed class ReferenceRulesTests
{
    [Fact]
    public void The_engine_references_no_other_Portal_assembly()
    {
        var engine = typeof(Portal.Engine.Models.ModelSpec).Assembly;
        Assert.Empty(PortalReferences(engine));
    }

    [Fact]
    public void The_client_the_module_ships_references_no_Portal_assembly()
    {
        var references = InModule(module => PortalReferences(module.Open("Portal.Client")!));
        Assert.Empty(references);
    }

    [Fact]
    public void The_contracts_reference_nothing_but_the_base_class_library()
    {
        var contracts = typeof(Page<>).Assembly;
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        var beyond = contracts.GetReferencedAssemblies()
            .Where(r => !File.Exists(Path.Combine(runtime, r.Name + ".dll")))
            .Select(r => r.Name);
        Assert.Empty(beyond);
    }

    [Fact]
    public void Nothing_the_PowerShell_module_ships_reaches_the_server_or_the_engine()
    {
        var (reached, missing) = InModule(Closure);
        Assert.Contains("Portal.Client", reached);
        Assert.DoesNotContain("Portal.Server", reached);
        Assert.DoesNotContain("Portal.Engine", reached);
        // A Portal assembly the module refers to but does not ship would fail to load in PowerShell.
        Assert.Empty(missing);
    }

    private static string[] PortalReferences(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(r => r.Name!).Where(IsPortal).Order(StringComparer.Ordinal)];

    private static bool IsPortal(string name) => name == "Portal" || name.StartsWith("Portal.", StringComparison.Ordinal);

    /// <summary>
    /// Every Portal assembly reached from Portal.PowerShell.dll through the references of what the module holds, and
    /// those referred to but not there.
    /// </summary>
    private static (HashSet<string> Reached, List<string> Missing) Closure(ModuleAssemblies module)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var pending = new Queue<string>(["Portal.PowerShell"]);
        while (pending.TryDequeue(out var name))
        {
            if (!reached.Add(name)) continue;
            if (module.Open(name) is not { } assembly)
            {
                missing.Add(name);
                continue;
            }
            foreach (var reference in PortalReferences(assembly)) pending.Enqueue(reference);
        }
        return (reached, missing);
    }

    /// <summary>
    /// Reads the module's assemblies as built into modules/Portal (its own beside the manifest, the client and its
    /// libraries in lib/) in a load context of their own, so nothing of the module runs or meets the test's own copies.
    /// </summary>
    private static T InModule<T>(Func<ModuleAssemblies, T> read)
    {
        var module = new ModuleAssemblies(ModuleFolder());
        try
        {
            return read(module);
        }
        finally
        {
            module.Unload();
        }
    }

    private sealed class ModuleAssemblies(string folder) : AssemblyLoadContext("module references", isCollectible: true)
    {
        public Assembly? Open(string name) =>
            new[] { Path.Combine(folder, name + ".dll"), Path.Combine(folder, "lib", name + ".dll") }.FirstOrDefault(File.Exists) is { } file
                ? LoadFromAssemblyPath(file)
                : null;
    }

    /// <summary>modules/Portal of this checkout, where a Release build lays out the module (src/Portal.PowerShell's LayOutModule).</summary>
    private static string ModuleFolder()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Portal.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}.");
        var module = Path.Combine(root.FullName, "modules", "Portal");
        Assert.True(File.Exists(Path.Combine(module, "Portal.PowerShell.dll")), $"The module is not built into {module}: build Portal.PowerShell in Release.");
        return module;
    }
}
