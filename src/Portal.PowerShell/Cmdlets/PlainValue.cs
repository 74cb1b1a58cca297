using System.Collections;
using System.Management.Automation;

namespace Portal.PowerShell.Cmdlets;

/// <summary>
/// PowerShell values as the plain .NET values a JSON body is made of: PSObjects unwrapped, hashtables and
/// [pscustomobject]s as dictionaries, arrays as lists. (The module itself never touches a JSON library: the client does.)
/// </summary>
internal static class PlainValue
{
    public static object? Of(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case PSObject { BaseObject: PSCustomObject } custom:
                return custom.Properties.ToDictionary(p => p.Name, p => Of(p.Value));
            case PSObject wrapped:
                return Of(wrapped.BaseObject);
            case string or bool or char:
                return value;
            case IDictionary dictionary:
                // A hashtable has no order, but the server reads a polymorphic object's discriminator ("type" of a
                // layer spec) only as its first property: it goes first, the rest as given.
                var result = new Dictionary<string, object?>();
                var entries = dictionary.Cast<DictionaryEntry>().Select(e => (Key: e.Key.ToString() ?? "", e.Value)).ToList();
                foreach (var (key, item) in entries.Where(e => e.Key == "type").Concat(entries.Where(e => e.Key != "type"))) result[key] = Of(item);
                return result;
            case IEnumerable list:
                return list.Cast<object?>().Select(Of).ToList();
            default:
                return value;
        }
    }
}
