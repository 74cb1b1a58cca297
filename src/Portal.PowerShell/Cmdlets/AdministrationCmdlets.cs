using System.Management.Automation;
using Portal.Client.Models;
using Portal.Contracts.Audit;
using Portal.Contracts.Auth;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Gets audit events, newest first, filtered.</summary>
/// <remarks>
/// Filter by actor, action prefix, subject and time; -First limits how many.
/// </remarks>
/// <example>
/// <code>Get-PortalAuditEvent -Action promotion. -First 20</code>
/// The 20 newest promotion events: requests, approvals, denials.
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalAuditEvent")]
[OutputType(typeof(AuditEventView))]
public sealed class GetPortalAuditEventCommand : PortalCmdlet
{
    /// <summary>Only the events of this user (user name).</summary>
    [Parameter]
    public string? Actor { get; set; }

    /// <summary>Actions starting with this text (promotion., run.create).</summary>
    [Parameter]
    public string? Action { get; set; }

    /// <summary>Only the events about this kind of thing (user, dataset, run, model, version, promotion, apikey …).</summary>
    [Parameter]
    public string? SubjectType { get; set; }

    /// <summary>Only the events about this thing; binds the Id of an object piped in.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string? SubjectId { get; set; }

    /// <summary>Only the events from this time on.</summary>
    [Parameter]
    public DateTimeOffset? After { get; set; }

    /// <summary>Only the events before this time.</summary>
    [Parameter]
    public DateTimeOffset? Before { get; set; }

    /// <summary>Only the newest n events.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    protected override void ProcessRecord()
    {
        var query = new AuditFilter(Actor, Action, SubjectType, SubjectId, After, Before);
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

/// <summary>Gets your API keys (with -All, as an Admin, every user's), revoked ones included.</summary>
/// <remarks>
/// Each key's name, prefix (the secret's first characters), owner, expiry and revocation; never the secret, which the
/// portal does not keep. A key pipes into Remove-PortalApiKey.
/// </remarks>
/// <example>
/// <code>Get-PortalApiKey -Name ci*</code>
/// Your keys whose names start with "ci".
/// </example>
/// <example>
/// <code>Get-PortalApiKey -Name smoke-* | Remove-PortalApiKey -Confirm:$false</code>
/// Revokes your keys whose names start with "smoke-".
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalApiKey")]
[OutputType(typeof(KeyView))]
public sealed class GetPortalApiKeyCommand : PortalCmdlet
{
    /// <summary>Only the keys of this name (wildcards allowed, case ignored).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string? Name { get; set; }

    /// <summary>Every user's keys, not only yours (Admin only; for anyone else the portal lists their own).</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        var enumerator = Client.ApiKeys.ListAll(All, Stopped).GetAsyncEnumerator(Stopped);
        try
        {
            while (TryCall(async _ => await enumerator.MoveNextAsync(), Name, out var moved) && moved)
            {
                if (pattern is null || pattern.IsMatch(enumerator.Current.Name)) WriteObject(enumerator.Current);
            }
        }
        finally
        {
            Await(enumerator.DisposeAsync().AsTask());
        }
    }
}

/// <summary>Creates an API key; its secret is shown only once.</summary>
/// <remarks>
/// For yourself, or with -UserId (Admin) for another user. The key is written with its secret in full; the new key
/// pipes into Remove-PortalApiKey (its KeyId binds -Id).
/// </remarks>
/// <example>
/// <code>(New-PortalApiKey -Name ci -ExpiresInDays 30).Secret</code>
/// A key for 30 days; keep the secret, the portal stores only its hash.
/// </example>
[Cmdlet(VerbsCommon.New, "PortalApiKey", SupportsShouldProcess = true)]
[OutputType(typeof(CreatedKeyView))]
public sealed class NewPortalApiKeyCommand : PortalCmdlet
{
    /// <summary>What the key is for.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Days until the key expires, 1 to 366.</summary>
    [Parameter]
    [ValidateRange(1, 366)]
    public int? ExpiresInDays { get; set; }

    /// <summary>The user the key is for (Admin only; default: you); binds the UserId of an object piped in.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? UserId { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(UserId is null ? $"API key '{Name}' for you" : $"API key '{Name}' for user {UserId}", "Create")) return;
        if (TryCall(ct => Client.ApiKeys.Create(Name, ExpiresInDays, UserId, ct), Name, out var created)) WriteObject(created);
    }
}

/// <summary>Revokes an API key at once.</summary>
/// <remarks>
/// Calls with the key fail from then on.
/// </remarks>
/// <example>
/// <code>Remove-PortalApiKey -Id $key.Key.Id</code>
/// </example>
/// <example>
/// <code>New-PortalApiKey -Name smoke-test -ExpiresInDays 1 | Remove-PortalApiKey -Confirm:$false -PassThru</code>
/// Creates a key and revokes it at once, writing its id.
/// </example>
[Cmdlet(VerbsCommon.Remove, "PortalApiKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemovePortalApiKeyCommand : PortalCmdlet
{
    /// <summary>The key's id (-Id is the same); binds the KeyId of a key piped in (from Get-PortalApiKey or New-PortalApiKey).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid KeyId { get; set; }

    /// <summary>Write the revoked key's id.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"API key {KeyId}", "Revoke")) return;
        if (TryCall(ct => Client.ApiKeys.Revoke(KeyId, ct), KeyId) && PassThru) WriteObject(KeyId);
    }
}
