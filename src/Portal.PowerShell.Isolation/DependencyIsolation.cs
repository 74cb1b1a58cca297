using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Portal.PowerShell.Isolation;

/// <summary>
/// Loads Portal.Client and everything it brings (SignalR client, Microsoft.Extensions, System.Text.Json 10) from
/// the module's lib folder into a load context of their own. A module shares its process with the host and other
/// modules: PowerShell 7.4 runs on .NET 8 with its own System.Text.Json, and another module may carry other
/// versions of the same libraries; isolated, none of them clash. Only Portal.Client is handed to the default
/// context (the cmdlets use its types); the cmdlets themselves use no library that the client brings. This
/// assembly is the manifest's first nested module, so the resolver is in place before PowerShell inspects the
/// cmdlets of Portal.PowerShell.dll (which resolves Portal.Client).
/// </summary>
public sealed class DependencyIsolation : IModuleAssemblyInitializer
{
    public const string ContextName = "Portal";

    private static readonly object s_gate = new();
    private static DependencyLoadContext? s_context;

    public void OnImport()
    {
        lock (s_gate)
        {
            if (s_context is not null) return;
            var lib = Path.Combine(Path.GetDirectoryName(typeof(DependencyIsolation).Assembly.Location)!, "lib");
            s_context = new DependencyLoadContext(lib);
            AssemblyLoadContext.Default.Resolving += Resolve;
        }
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "Portal.Client" ? s_context?.LoadFromAssemblyName(name) : null;

    private sealed class DependencyLoadContext(string folder) : AssemblyLoadContext(ContextName)
    {
        // What the lib folder holds loads here; everything else (the runtime's own assemblies) from the default context.
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
