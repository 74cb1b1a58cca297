using System.Management.Automation;
using Portal.Client;
using Portal.PowerShell.Session;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Connects the module to a portal with an API key.</summary>
/// <remarks>
/// Checks the key with the portal (GET /api/v1/auth/me) and makes the connection current for every Portal cmdlet of
/// the session until Disconnect-Portal or another Connect-Portal. A refused key or an unreachable portal is an error
/// record that -ErrorAction governs, and leaves the previous connection current.
/// </remarks>
/// <example>
/// <code>Connect-Portal -Uri http://127.0.0.1:5080 -ApiKey $env:PORTAL_API_KEY -PassThru</code>
/// Connects with the key in PORTAL_API_KEY and writes the connection: the portal, the user and their roles.
/// </example>
[Cmdlet(VerbsCommunications.Connect, "Portal")]
[OutputType(typeof(PortalConnection))]
public sealed class ConnectPortalCommand : PortalCmdlet
{
    /// <summary>The portal's address, http or https (e.g. http://127.0.0.1:5080).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = null!;

    /// <summary>An API key of the portal (New-PortalApiKey, or the portal's API keys page); it is sent as X-Api-Key.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string ApiKey { get; set; } = "";

    /// <summary>Write the connection (portal, user name, user id and roles).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool NeedsConnection => false;

    protected override void ProcessRecord()
    {
        // Errors are written, not thrown, so that -ErrorAction decides: SilentlyContinue goes on quietly, Stop stops.
        // A failed attempt leaves the previous connection, if any, current.
        if (!Uri.IsAbsoluteUri || (Uri.Scheme != "http" && Uri.Scheme != "https"))
        {
            WriteError(new ErrorRecord(new ArgumentException($"'{Uri}' is not an http(s) address of a portal."), "PortalBadUri", ErrorCategory.InvalidArgument, Uri));
            return;
        }
        var client = new PortalClient(Uri, ApiKey);
        try
        {
            var me = Await(client.Users.Me(Stopped));
            var connection = new PortalConnection(client.BaseAddress, me.UserName, me.Id, [.. me.Roles]);
            Await(PortalSession.Replace(client, connection)?.DisposeAsync().AsTask() ?? Task.CompletedTask);
            WriteVerbose($"Connected to {client.BaseAddress} as {me.UserName} ({string.Join(", ", me.Roles)}).");
            if (PassThru) WriteObject(connection);
        }
        catch (Exception e)
        {
            Await(client.DisposeAsync().AsTask());
            if (AsErrorRecord(e, Uri) is not { } record) throw;
            WriteError(record);
        }
    }
}

/// <summary>Forgets the current portal connection.</summary>
/// <remarks>
/// Closes the live hub connection and forgets the API key; later Portal cmdlets need Connect-Portal again.
/// </remarks>
/// <example>
/// <code>Disconnect-Portal</code>
/// </example>
[Cmdlet(VerbsCommunications.Disconnect, "Portal")]
public sealed class DisconnectPortalCommand : PortalCmdlet
{
    protected override bool NeedsConnection => false;

    protected override void ProcessRecord()
    {
        if (PortalSession.Replace(null, null) is { } previous) Await(previous.DisposeAsync().AsTask());
    }
}
