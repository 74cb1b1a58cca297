namespace Portal.Server.Auth;

/// <summary>The four roles, each including the rights of those before it: Viewer &lt; Contributor &lt; Approver &lt; Admin.</summary>
public static class PortalRoles
{
    public const string Viewer = "Viewer";
    public const string Contributor = "Contributor";
    public const string Approver = "Approver";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Contributor, Approver, Admin];

    /// <summary>0 for Viewer up to 3 for Admin; −1 for a name that is not a role.</summary>
    public static int Rank(string role) => All.ToList().FindIndex(r => string.Equals(r, role, StringComparison.OrdinalIgnoreCase));

    public static bool IsRole(string role) => Rank(role) >= 0;

    /// <summary>The canonical spelling of <paramref name="role"/>, or null.</summary>
    public static string? Normalize(string role) => Rank(role) is var r and >= 0 ? All[r] : null;

    /// <summary>The authorisation policy that admits this role and every higher one.</summary>
    public static string AtLeast(string role) => $"AtLeast{Normalize(role) ?? throw new ArgumentException($"'{role}' is not a role.")}";
}
