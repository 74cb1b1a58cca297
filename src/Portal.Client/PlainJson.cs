using System.Text.Json;

namespace Portal.Client;

/// <summary>
/// JSON of the client's records (a run's spec, a version's evaluation) as plain .NET values, for callers that do not
/// share this client's JSON library, such as the PowerShell module, which loads it in a context of its own.
/// </summary>
public static class PlainJson
{
    /// <summary>
    /// A <see cref="JsonElement"/> as plain values: an object as its name/value pairs in order, an array as a list,
    /// a number as a long when it is whole and fits, else a double, strings, booleans and null. Any other value is
    /// returned as it is.
    /// </summary>
    public static object? Of(object? value) => value is JsonElement element ? Plain(element) : value;

    private static object? Plain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, Plain(p.Value))).ToList(),
        JsonValueKind.Array => element.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : (object)element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
