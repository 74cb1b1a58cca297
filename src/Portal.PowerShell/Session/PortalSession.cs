using Portal.Client;

namespace Portal.PowerShell.Session;

/// <summary>The connection Connect-Portal made, shared by the module's cmdlets in this process until Disconnect-Portal.</summary>
internal static class PortalSession
{
    private static readonly object s_gate = new();
    private static PortalClient? s_client;
    private static PortalConnection? s_connection;

    public static PortalClient? Client
    {
        get
        {
            lock (s_gate) return s_client;
        }
    }

    public static PortalConnection? Connection
    {
        get
        {
            lock (s_gate) return s_connection;
        }
    }

    /// <summary>Makes <paramref name="client"/> current and returns the previous client, for the caller to dispose.</summary>
    public static PortalClient? Replace(PortalClient? client, PortalConnection? connection)
    {
        lock (s_gate)
        {
            var previous = s_client;
            s_client = client;
            s_connection = connection;
            return previous;
        }
    }
}

/// <summary>What Connect-Portal reports: where, as whom, with which roles.</summary>
public sealed record PortalConnection(Uri Uri, string UserName, string UserId, string[] Roles);
