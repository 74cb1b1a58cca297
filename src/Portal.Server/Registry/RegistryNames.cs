using System.Text.RegularExpressions;

namespace Portal.Server.Registry;

/// <summary>The spelling rules of the names the portal puts in URLs and file names: model and dataset names, alias names and tag keys.</summary>
public static partial class RegistryNames
{
    public const int MaxModelName = 100;
    public const int MaxAlias = 64;
    public const int MaxTagKey = 100;
    public const int MaxTagValue = 500;
    public const int MaxDescription = 2000;

    /// <summary>Letters, digits, '-', '_' and '.', starting with a letter or digit; 1..100 characters.</summary>
    public static void CheckModelName(string? name)
    {
        if (NameProblem("Model", name) is { } problem) throw Refusal.Invalid(problem);
    }

    /// <summary>The rule of model names, for dataset names.</summary>
    public static void CheckDatasetName(string? name)
    {
        if (NameProblem("Dataset", name) is { } problem) throw Refusal.Invalid(problem);
    }

    private static string? NameProblem(string kind, string? name) =>
        string.IsNullOrEmpty(name) || name.Length > MaxModelName || !ModelNamePattern().IsMatch(name)
            ? $"{kind} name '{name}' is not allowed: use 1..{MaxModelName} letters, digits, '-', '_' or '.', starting with a letter or digit."
            : null;

    /// <summary>Lowercase letters, digits and '-'; 1..64 characters (<c>production</c>, <c>staging</c>, <c>canary-eu</c>).</summary>
    public static void CheckAlias(string? alias)
    {
        if (AliasProblem(alias) is { } problem) throw Refusal.Invalid(problem);
    }

    /// <summary>Why <paramref name="alias"/> is not a valid alias name, or null when it is: for a field of a larger request that names the field first.</summary>
    public static string? AliasProblem(string? alias) =>
        string.IsNullOrEmpty(alias) || alias.Length > MaxAlias || !AliasPattern().IsMatch(alias)
            ? $"Alias name '{alias}' is not allowed: use 1..{MaxAlias} lowercase letters, digits or '-'."
            : null;

    public static void CheckTag(string? key, string? value)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxTagKey || !TagKeyPattern().IsMatch(key))
            throw Refusal.Invalid($"Tag key '{key}' is not allowed: use 1..{MaxTagKey} letters, digits, '-', '_', '.' or ':', starting with a letter or digit.");
        if (value is null)
            throw Refusal.Invalid($"Tag '{key}' needs a value (it may be empty).");
        if (value.Length > MaxTagValue)
            throw Refusal.Invalid($"The value of tag '{key}' is {value.Length} characters; at most {MaxTagValue} are kept.");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex ModelNamePattern();

    [GeneratedRegex("^[a-z0-9-]+$")]
    private static partial Regex AliasPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    private static partial Regex TagKeyPattern();
}
