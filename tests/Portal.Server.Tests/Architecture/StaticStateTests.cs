using Portal.Engine.Platform;
using Portal.Server.Hosting;

namespace Portal.Server.Tests.Architecture;

/// <summary>
/// State that lives as long as the process belongs to an injected singleton or to the database: there a test host
/// gets its own, and several hosts in one process (or several processes) cannot see each other's. See
/// <see cref="StaticStateRule"/> for what counts as static state.
/// </summary>
public sealed class StaticStateTests
{
    /// <summary>Static state that is the process's by nature, with the reason.</summary>
    private static readonly Dictionary<string, string> s_allowed = new()
    {
        ["Portal.Engine.Platform.NativeRuntime.s_gate"] = "libtorch and the MKL shim load once per process and cannot be unloaded; this lock guards that one start",
        ["Portal.Engine.Platform.NativeRuntime.s_info"] = "the native runtime as that one start left it, for the whole process",
        ["Portal.Engine.Inference.CudaAvailability.s_decisions"] =
            "whether ONNX Runtime's CUDA provider loads on a device is a fact about the process's native libraries, decided once per device",
        ["Portal.Server.Live.LiveHubAccess.s_watchKey"] = "an identity key for a hub connection's Items, never locked on or changed",
    };

    [Fact]
    public void Server_and_engine_code_holds_no_static_mutable_state()
    {
        var found = new[] { typeof(PortalServer).Assembly, typeof(NativeRuntime).Assembly }
            .SelectMany(StaticStateRule.Violations)
            .Where(v => !s_allowed.ContainsKey(v[..v.IndexOf(':', StringComparison.Ordinal)]))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(found.Count == 0, $"Static mutable state (move it to an injected singleton or the database):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }

    [Fact]
    public void Every_allowed_exception_still_exists()
    {
        var fields = new[] { typeof(PortalServer).Assembly, typeof(NativeRuntime).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.DeclaredOnly)
                .Select(f => $"{t.FullName}.{f.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.DoesNotContain(s_allowed.Keys, k => !fields.Contains(k));
    }
}
