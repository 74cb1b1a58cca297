using System.Management.Automation;
using Portal.Client.Models;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Submit-PortalPromotion: asks to move a protected alias (default production) to a version; gates are checked now.</summary>
[Cmdlet(VerbsLifecycle.Submit, "PortalPromotion", SupportsShouldProcess = true)]
[OutputType(typeof(Promotion))]
public sealed class SubmitPortalPromotionCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Number")]
    [ValidateRange(1, int.MaxValue)]
    public int Version { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Alias { get; set; } = "production";

    [Parameter]
    public string? Comment { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Model} alias '{Alias}' → version {Version}", "Request promotion")) return;
        if (TryCall(ct => Client.Promotions.Submit(Model, Alias, Version, Comment, ct), $"{Model} v{Version}", out var promotion)) WriteObject(promotion);
    }
}

/// <summary>Get-PortalPromotion: one request by id, or the requests (filter by state and model).</summary>
[Cmdlet(VerbsCommon.Get, "PortalPromotion", DefaultParameterSetName = "List")]
[OutputType(typeof(Promotion))]
public sealed class GetPortalPromotionCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "ById", Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PromotionId")]
    public Guid Id { get; set; }

    [Parameter(ParameterSetName = "List")]
    [ValidateSet("Pending", "Approved", "Denied", "Cancelled", "Expired")]
    public string? State { get; set; }

    [Parameter(ParameterSetName = "List", ValueFromPipelineByPropertyName = true)]
    public string? Model { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "ById")
        {
            if (TryCall(ct => Client.Promotions.Get(Id, ct), Id, out var promotion)) WriteObject(promotion);
            return;
        }
        WriteAll(Client.Promotions.ListAll(State, Model, Stopped), Model);
    }
}

/// <summary>The Id of a promotion request, bound from a promotion piped in.</summary>
public abstract class PromotionDecisionCmdlet : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PromotionId")]
    public Guid Id { get; set; }

    [Parameter]
    public string? Comment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected void Decide(string action, Func<CancellationToken, Task<Promotion>> decide)
    {
        if (!ShouldProcess($"promotion request {Id}", action)) return;
        if (TryCall(decide, Id, out var promotion) && PassThru) WriteObject(promotion);
    }
}

/// <summary>Approve-PortalPromotion: an Approver's yes (not on one's own request); the alias moves once enough approvals are in.</summary>
[Cmdlet(VerbsLifecycle.Approve, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Promotion))]
public sealed class ApprovePortalPromotionCommand : PromotionDecisionCmdlet
{
    /// <summary>An Admin's reason to approve despite failed gates.</summary>
    [Parameter]
    public string? OverrideReason { get; set; }

    protected override void ProcessRecord() => Decide("Approve", ct => Client.Promotions.Approve(Id, Comment, OverrideReason, ct));
}

/// <summary>Deny-PortalPromotion: an Approver's no; the request closes.</summary>
[Cmdlet(VerbsLifecycle.Deny, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Promotion))]
public sealed class DenyPortalPromotionCommand : PromotionDecisionCmdlet
{
    protected override void ProcessRecord() => Decide("Deny", ct => Client.Promotions.Deny(Id, Comment, ct));
}

/// <summary>Undo-PortalPromotion: rolls an alias back to the version that held it before.</summary>
[Cmdlet(VerbsCommon.Undo, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(Rollback))]
public sealed class UndoPortalPromotionCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Alias { get; set; } = "production";

    [Parameter]
    public string? Comment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Model} alias '{Alias}'", "Roll back to the previous version")) return;
        if (TryCall(ct => Client.Models.Rollback(Model, Alias, Comment, ct), $"{Model}/{Alias}", out var rollback) && PassThru) WriteObject(rollback);
    }
}
