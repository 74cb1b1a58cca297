using System.Management.Automation;
using Portal.Client;
using Portal.PowerShell.Session;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Connect-Portal: checks the key against the portal and makes the connection current for the module's cmdlets.</summary>
[Cmdlet(VerbsCommunications.Connect, "Portal")]
[OutputType(typeof(PortalConnection))]
public sealed class ConnectPortalCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string ApiKey { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool NeedsConnection => false;

    protected override void ProcessRecord()
    {
        if (!Uri.IsAbsoluteUri || (Uri.Scheme != "http" && Uri.Scheme != "https"))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{Uri}' is not an http(s) address of a portal."), "PortalBadUri", ErrorCategory.InvalidArgument, Uri));
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
            if (AsErrorRecord(e, Uri) is { } record) ThrowTerminatingError(record);
            throw;
        }
    }
}

/// <summary>Disconnect-Portal: forgets the connection and closes its live hub.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "Portal")]
public sealed class DisconnectPortalCommand : PortalCmdlet
{
    protected override bool NeedsConnection => false;

    protected override void ProcessRecord()
    {
        if (PortalSession.Replace(null, null) is { } previous) Await(previous.DisposeAsync().AsTask());
    }
}
