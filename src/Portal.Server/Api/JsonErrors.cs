using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Server.Api;

/// <summary>
/// Says what is wrong with a JSON body in the request's terms: System.Text.Json's own messages name the .NET types
/// the body was read into ("could not be converted to Portal.Server.Training.RunOptions"), which a client neither
/// knows nor needs.
/// </summary>
public static partial class JsonErrors
{
    public static string Describe(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var path = error.Path is { Length: > 0 } p && p != "$" ? p : null;
        var message = error.Message;
        if (UnknownProperty().Match(message) is { Success: true } unknown)
            return $"'{unknown.Groups["name"].Value}' is not a known field{(path is null ? "" : $" (at {path})")}.";
        if (MissingRequired().Match(message) is { Success: true } missing)
            return $"Required field{(missing.Groups["names"].Value.Contains(',', StringComparison.Ordinal) ? "s are" : " is")} missing: {missing.Groups["names"].Value}.";
        if (message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
            return path is null ? "The JSON value is not of the expected type or form." : $"The value at {path} is not of the expected type or form.";
        // The reader's syntax errors and our converters' own messages name no type; anything else that does is not shown.
        return TypeName().IsMatch(message)
            ? path is null ? "The JSON is not valid for this request." : $"The JSON at {path} is not valid for this request."
            : message;
    }

    /// <summary>A model-binding failure's message with the parameter's .NET type left out: "Failed to bind parameter 'id' from "x"."</summary>
    public static string Describe(BadHttpRequestException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.InnerException is JsonException json) return $"The request body is not valid: {Describe(json)}";
        var message = TypedParameter().Replace(error.Message, "'${name}'");
        return TypeName().IsMatch(message) ? "The request could not be read." : message;
    }

    [GeneratedRegex("^The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex("missing required properties including: (?<names>.*?)\\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex("\"[^\"]*\\s(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex TypedParameter();

    [GeneratedRegex("\\b(System|Microsoft|Portal)\\.[A-Z][A-Za-z0-9_]*")]
    private static partial Regex TypeName();
}
