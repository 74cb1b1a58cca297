using Portal.Server.Registry;

namespace Portal.Server.Approvals;

/// <summary>Alias names as the registry spells them (<see cref="RegistryNames.CheckAlias"/>), so a policy can only protect a name that can exist.</summary>
public static class AliasNames
{
    /// <summary>Why <paramref name="alias"/> is not a valid alias name, or null when it is.</summary>
    public static string? Problem(string? alias)
    {
        try
        {
            RegistryNames.CheckAlias(alias);
            return null;
        }
        catch (RegistryException e)
        {
            return e.Message;
        }
    }

    /// <summary>Protection is decided ignoring case, as the registry decides it.</summary>
    public static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
