using System.Collections;
using System.Management.Automation;
using System.Text.Json;

namespace Portal.PowerShell.Cmdlets;

/// <summary>
/// A JSON argument given the PowerShell way: JSON text, or a hashtable / [pscustomobject] (nested freely), turned
/// into a JsonElement.
/// </summary>
internal static class JsonArgument
{
    public static JsonElement From(object value, string parameter)
    {
        var plain = Plain(value);
        if (plain is string text)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"-{parameter} is not valid JSON: {e.Message}", parameter, e);
            }
        }
        return JsonSerializer.SerializeToElement(plain);
    }

    /// <summary>PowerShell values as plain .NET ones: PSObjects unwrapped, dictionaries and property bags as dictionaries, lists as lists.</summary>
    public static object? Plain(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case PSObject { BaseObject: PSCustomObject } custom:
                return custom.Properties.ToDictionary(p => p.Name, p => Plain(p.Value));
            case PSObject wrapped:
                return Plain(wrapped.BaseObject);
            case string or bool or char:
                return value;
            case IDictionary dictionary:
                var result = new Dictionary<string, object?>();
                foreach (DictionaryEntry entry in dictionary) result[entry.Key.ToString() ?? ""] = Plain(entry.Value);
                return result;
            case IEnumerable list:
                return list.Cast<object?>().Select(Plain).ToList();
            default:
                return value;
        }
    }
}
