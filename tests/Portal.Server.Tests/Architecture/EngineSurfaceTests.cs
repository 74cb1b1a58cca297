using System.Reflection;
using Portal.Engine.Models;

namespace Portal.Server.Tests.Architecture;

/// <summary>
/// The engine's public surface carries no TorchSharp or ONNX Runtime type: callers get specs, float buffers,
/// safetensors bytes, loaded models and reports, so the server never depends on either library.
/// </summary>
public sealed class EngineSurfaceTests
{
    private static readonly string[] s_hiddenLibraries = ["TorchSharp", "Microsoft.ML.OnnxRuntime"];

    [Fact]
    public void No_public_or_protected_engine_member_mentions_a_TorchSharp_or_ONNX_Runtime_type()
    {
        var leaks = typeof(ModelSpec).Assembly.GetTypes().Where(Reachable)
            .SelectMany(t => SignatureTypes.Declared(t, PublicOrProtected))
            .Where(m => FromHiddenLibrary(m.Named))
            .Select(m => $"{m.Member} mentions {SignatureTypes.Describe(m.Named)}")
            .Distinct()
            .ToList();

        Assert.True(leaks.Count == 0, $"The engine's public surface must not carry TorchSharp or ONNX Runtime types; make these internal or wrap them:\n{string.Join("\n", leaks)}");
    }

    /// <summary>A type code outside the engine can name: public, or nested public or protected in such a type.</summary>
    private static bool Reachable(Type type) =>
        type.IsPublic || (type.IsNested && (type.IsNestedPublic || type.IsNestedFamily || type.IsNestedFamORAssem) && Reachable(type.DeclaringType!));

    private static bool PublicOrProtected(MemberInfo member) => member switch
    {
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily || add.IsFamilyOrAssembly),
        _ => false,
    };

    private static bool FromHiddenLibrary(Type type)
    {
        var assembly = type.Assembly.GetName().Name ?? "";
        var space = type.Namespace ?? "";
        return s_hiddenLibraries.Any(l => assembly.StartsWith(l, StringComparison.Ordinal) || space.StartsWith(l, StringComparison.Ordinal));
    }
}
