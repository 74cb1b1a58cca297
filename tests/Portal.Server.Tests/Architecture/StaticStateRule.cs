using System.Reflection;
using System.Runtime.CompilerServices;

namespace Portal.Server.Tests.Architecture;

/// <summary>
/// Finds static fields that hold mutable state in an assembly's own code. A static field is state when it is not
/// readonly, or when it is readonly but holds something made to change or to be locked on: a collection of
/// System.Collections(.Generic, .Concurrent, .ObjectModel) or a mutable collection interface, a plain
/// <see cref="object"/> (a lock), a synchronisation primitive, <see cref="Random"/>, a StringBuilder or a Stopwatch.
/// Constants and readonly fields of anything else count as values: strings, numbers, records, Regex, Lazy (computed
/// once), frozen and immutable collections, JsonSerializerOptions (read-only once first used), and arrays (C# has no
/// immutable array literal; a write to an element is a change a reviewer sees). Left out: code the compiler or a
/// source generator writes (protoc's ONNX classes too), and EF migrations.
/// </summary>
internal static class StaticStateRule
{
    private static readonly Type[] s_lockTypes =
    [
        typeof(object), typeof(Lock), typeof(SemaphoreSlim), typeof(Semaphore), typeof(Mutex), typeof(ReaderWriterLockSlim),
        typeof(ManualResetEvent), typeof(ManualResetEventSlim), typeof(AutoResetEvent), typeof(CountdownEvent), typeof(Barrier),
    ];

    private static readonly Type[] s_statefulTypes = [typeof(Random), typeof(System.Text.StringBuilder), typeof(System.Diagnostics.Stopwatch)];

    private static readonly string[] s_mutableCollectionNamespaces =
        ["System.Collections", "System.Collections.Generic", "System.Collections.Concurrent", "System.Collections.ObjectModel"];

    /// <summary>Each offending field as "Namespace.Type.field: why".</summary>
    public static IEnumerable<string> Violations(Assembly assembly) =>
        from type in assembly.GetTypes()
        where !Generated(type) && !Migration(type)
        from field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
        where !field.IsLiteral
        let why = Why(field)
        where why is not null
        select $"{type.FullName}.{field.Name}: {why}";

    private static string? Why(FieldInfo field)
    {
        if (!field.IsInitOnly) return "a static field that is not readonly";
        var type = field.FieldType;
        if (s_lockTypes.Contains(type)) return $"a static {type.Name}, which is locked on or changes state";
        if (s_statefulTypes.Contains(type)) return $"a static {type.Name}, which changes as it is used";
        if (MutableCollection(type)) return $"a static {type.Name}, a collection that can be changed";
        return null;
    }

    private static bool MutableCollection(Type type)
    {
        if (type.IsArray || type.Namespace is null || !s_mutableCollectionNamespaces.Contains(type.Namespace)) return false;
        // IEnumerable<T> and the IReadOnly* interfaces only read; a class or any other interface of these namespaces can change.
        return !(type.IsInterface && (type.Name.StartsWith("IReadOnly", StringComparison.Ordinal) || type.Name.StartsWith("IEnumera", StringComparison.Ordinal)));
    }

    private static bool Generated(Type type)
    {
        // protoc writes the ONNX schema's classes at build (Portal.Engine.csproj's Protobuf item); its reflection class carries no GeneratedCode attribute.
        if (type.Namespace?.EndsWith(".Protobuf", StringComparison.Ordinal) == true) return true;
        for (var t = type; t is not null; t = t.DeclaringType)
        {
            if (t.Name.Contains('<') || t.IsDefined(typeof(CompilerGeneratedAttribute), false) || t.IsDefined(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false))
                return true;
        }
        return false;
    }

    private static bool Migration(Type type) =>
        type.Namespace?.Split('.').Contains("Migrations") == true
        || BaseNames(type).Any(n => n is "Microsoft.EntityFrameworkCore.Migrations.Migration" or "Microsoft.EntityFrameworkCore.Infrastructure.ModelSnapshot");

    private static IEnumerable<string?> BaseNames(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType) yield return t.FullName;
    }
}
