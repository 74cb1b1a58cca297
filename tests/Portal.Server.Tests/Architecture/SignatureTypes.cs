using System.Reflection;

namespace Portal.Server.Tests.Architecture;

/// <summary>Every type a member's signature names, taken apart: arrays, by-refs, generic arguments and constraints.</summary>
internal static class SignatureTypes
{
    private const BindingFlags AllDeclared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary><paramref name="type"/> and every type inside it (element types, generic arguments, generic parameters' constraints).</summary>
    public static IEnumerable<Type> Within(Type type)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>();
        pending.Push(type);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next)) continue;
            yield return next;
            if (next.HasElementType) pending.Push(next.GetElementType()!);
            if (next.IsGenericParameter)
            {
                foreach (var constraint in next.GetGenericParameterConstraints()) pending.Push(constraint);
            }
            else if (next.IsGenericType)
            {
                foreach (var argument in next.GetGenericArguments()) pending.Push(argument);
            }
        }
    }

    /// <summary>
    /// What <paramref name="type"/> declares, each with the types its signature names: base type, interfaces,
    /// generic parameters, fields, properties, events, constructors and methods. <paramref name="include"/> picks
    /// the members by their visibility.
    /// </summary>
    public static IEnumerable<(string Member, Type Named)> Declared(Type type, Func<MemberInfo, bool> include)
    {
        var own = new List<(string, Type)>();
        if (type.BaseType is { } baseType) own.Add(("base type", baseType));
        own.AddRange(type.GetInterfaces().Select(i => ("interface", i)));
        own.AddRange(type.GetGenericArguments().Select(a => ("generic parameter", a)));
        foreach (var member in type.GetMembers(AllDeclared).Where(include))
        {
            var name = member.Name;
            switch (member)
            {
                case FieldInfo field:
                    own.Add((name, field.FieldType));
                    break;
                case PropertyInfo property:
                    own.Add((name, property.PropertyType));
                    own.AddRange(property.GetIndexParameters().Select(p => (name, p.ParameterType)));
                    break;
                case EventInfo e when e.EventHandlerType is { } handler:
                    own.Add((name, handler));
                    break;
                case MethodBase method:
                    if (method is MethodInfo m) own.Add((name, m.ReturnType));
                    own.AddRange(method.GetParameters().Select(p => (name, p.ParameterType)));
                    if (method.IsGenericMethodDefinition) own.AddRange(method.GetGenericArguments().Select(a => (name, a)));
                    break;
            }
        }
        return own.SelectMany(o => Within(o.Item2).Select(t => ($"{Describe(type)}.{o.Item1}", t)));
    }

    public static string Describe(Type type) => type.FullName ?? type.Name;
}
