using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Components;

namespace Portal.Server.Tests.Architecture;

/// <summary>
/// Blazor pages and components never touch the database context: a circuit lives for hours and a DbContext should
/// live for one operation, so components call their feature's service (through <see cref="FeatureServices"/>),
/// which owns the queries.
/// </summary>
public sealed class ComponentDataAccessTests
{
    [Fact]
    public void No_page_or_component_injects_or_asks_for_a_database_context()
    {
        var components = typeof(FeatureServices).Assembly.GetTypes().Where(t => typeof(IComponent).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        Assert.NotEmpty(components);

        // Its own members (@inject properties, constructor parameters) and those of the closures its lambdas compile
        // to, where a FeatureServices call that asks for a DbContext shows as a parameter.
        var touches = components
            .SelectMany(c => Own(c).SelectMany(t => SignatureTypes.Declared(t, _ => true)))
            .Where(m => typeof(DbContext).IsAssignableFrom(m.Named))
            .Select(m => $"{m.Member} uses {SignatureTypes.Describe(m.Named)}")
            .Distinct()
            .ToList();

        Assert.True(touches.Count == 0, $"Pages and components must call their feature's service, never a DbContext:\n{string.Join("\n", touches)}");
    }

    /// <summary>The component and the types the compiler made for its lambdas and async methods.</summary>
    private static IEnumerable<Type> Own(Type component) =>
        component.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic)
            .Where(n => n.IsDefined(typeof(CompilerGeneratedAttribute)))
            .SelectMany(Own)
            .Prepend(component);
}
