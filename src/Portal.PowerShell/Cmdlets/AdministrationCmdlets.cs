using System.Management.Automation;
using Portal.Client.Models;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Get-PortalAuditEvent: the audit log, newest first, filtered.</summary>
[Cmdlet(VerbsCommon.Get, "PortalAuditEvent")]
[OutputType(typeof(AuditEvent))]
public sealed class GetPortalAuditEventCommand : PortalCmdlet
{
    [Parameter]
    public string? Actor { get; set; }

    /// <summary>Actions starting with this text (promotion., run.create).</summary>
    [Parameter]
    public string? Action { get; set; }

    [Parameter]
    public string? SubjectType { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string? SubjectId { get; set; }

    [Parameter]
    public DateTimeOffset? After { get; set; }

    [Parameter]
    public DateTimeOffset? Before { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    protected override void ProcessRecord()
    {
        var query = new AuditQuery { Actor = Actor, Action = Action, SubjectType = SubjectType, SubjectId = SubjectId, From = After, To = Before };
        var written = 0;
        var enumerator = Client.Audit.ListAll(query, Stopped).GetAsyncEnumerator(Stopped);
        try
        {
            while ((First is null || written < First) && TryCall(async _ => await enumerator.MoveNextAsync(), query, out var moved) && moved)
            {
                WriteObject(enumerator.Current);
                written++;
            }
        }
        finally
        {
            Await(enumerator.DisposeAsync().AsTask());
        }
    }
}

/// <summary>New-PortalApiKey: a key for yourself (or, as an Admin, for -UserId); its secret is shown once.</summary>
[Cmdlet(VerbsCommon.New, "PortalApiKey", SupportsShouldProcess = true)]
[OutputType(typeof(CreatedApiKey))]
public sealed class NewPortalApiKeyCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 366)]
    public int? ExpiresInDays { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? UserId { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(UserId is null ? $"API key '{Name}' for you" : $"API key '{Name}' for user {UserId}", "Create")) return;
        if (TryCall(ct => Client.ApiKeys.Create(Name, ExpiresInDays, UserId, ct), Name, out var created)) WriteObject(created);
    }
}

/// <summary>Remove-PortalApiKey: revokes a key at once.</summary>
[Cmdlet(VerbsCommon.Remove, "PortalApiKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemovePortalApiKeyCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("KeyId")]
    public Guid Id { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"API key {Id}", "Revoke")) return;
        if (TryCall(ct => Client.ApiKeys.Revoke(Id, ct), Id) && PassThru) WriteObject(Id);
    }
}
