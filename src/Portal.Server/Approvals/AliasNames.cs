using System.Text.RegularExpressions;

namespace Portal.Server.Approvals;

/// <summary>What an alias name may be: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.</summary>
public static partial class AliasNames
{
    public const int MaxLength = 64;

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>Protection is decided ignoring case, so <c>Production</c> is as protected as <c>production</c>.</summary>
    public static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Pattern();
}
