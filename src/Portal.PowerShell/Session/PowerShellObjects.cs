using System.Collections;
using System.Management.Automation;
using System.Reflection;
using Portal.Client;

namespace Portal.PowerShell.Session;

/// <summary>
/// The client's records as the cmdlets write them. A record that holds JSON (a run's spec and options, a version's
/// evaluation, a compression's recipe) becomes a [pscustomobject] of its properties, the JSON as nested
/// [pscustomobject]s and arrays: ConvertTo-Json then writes the JSON itself, and <c>$run.Spec.layers</c> reads like any
/// object. It keeps the record's type names, so its table view and the module's type extensions still apply. Other
/// values are written as they are.
/// </summary>
internal static class PowerShellObjects
{
    private const string JsonElementType = "System.Text.Json.JsonElement";
    private static readonly Dictionary<Type, bool> s_holdsJson = [];

    public static object? Of(object? value)
    {
        if (value is null) return null;
        var type = value.GetType();
        if (type.FullName == JsonElementType) return FromPlain(PlainJson.Of(value));
        if (!HoldsJson(type)) return value;
        if (value is IEnumerable items and not string) return items.Cast<object?>().Select(Of).ToArray();
        var record = new PSObject();
        var position = 0;
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType) record.TypeNames.Insert(position++, t.FullName!);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            record.Properties.Add(new PSNoteProperty(property.Name, Of(property.GetValue(value))));
        }
        return record;
    }

    /// <summary>Whether values of <paramref name="type"/> hold JSON anywhere inside: JSON itself, or a client record or list of them that does.</summary>
    private static bool HoldsJson(Type type)
    {
        lock (s_holdsJson)
        {
            if (s_holdsJson.TryGetValue(type, out var known)) return known;
            s_holdsJson[type] = false; // a record that refers to itself holds no JSON through that path
            var holds = (Nullable.GetUnderlyingType(type) ?? type).FullName == JsonElementType
                || (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments().Any(HoldsJson))
                || (IsPortalRecord(type) && type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => HoldsJson(p.PropertyType)));
            s_holdsJson[type] = holds;
            return holds;
        }
    }

    /// <summary>A record of the client's or of the contracts it speaks (the records the server answers with).</summary>
    private static bool IsPortalRecord(Type type) =>
        !type.IsEnum && type.Namespace is { } space
        && (space.StartsWith("Portal.Client", StringComparison.Ordinal) || space.StartsWith("Portal.Contracts", StringComparison.Ordinal));

    private static object? FromPlain(object? plain)
    {
        switch (plain)
        {
            case IEnumerable<KeyValuePair<string, object?>> members:
                var result = new PSObject();
                foreach (var (name, member) in members) result.Properties.Add(new PSNoteProperty(name, FromPlain(member)));
                return result;
            case IEnumerable<object?> items:
                return items.Select(FromPlain).ToArray();
            default:
                return plain;
        }
    }
}
