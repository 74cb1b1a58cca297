using System.Management.Automation;
using Portal.Contracts.Approvals;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Requests moving an alias (default production) to a version.</summary>
/// <remarks>
/// The model's gates are evaluated at once; an Approver other than you decides the request.
/// </remarks>
/// <example>
/// <code>Submit-PortalPromotion -Model fashion -Version 3 -Comment 'better accuracy'</code>
/// </example>
/// <example>
/// <code>Get-PortalModelVersion -Model fashion -First 1 | Submit-PortalPromotion -WhatIf</code>
/// Shows the request the newest version would make, without making it.
/// </example>
[Cmdlet(VerbsLifecycle.Submit, "PortalPromotion", SupportsShouldProcess = true)]
[OutputType(typeof(PromotionView))]
public sealed class SubmitPortalPromotionCommand : PortalCmdlet
{
    /// <summary>The model; binds the Model of a version piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The version the alias should point to; binds the Number of a version piped in.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Number")]
    [ValidateRange(1, int.MaxValue)]
    public int Version { get; set; }

    /// <summary>The alias to move (default production).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Alias { get; set; } = "production";

    /// <summary>Why, for the Approvers and the audit log.</summary>
    [Parameter]
    public string? Comment { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Model} alias '{Alias}' → version {Version}", "Request promotion")) return;
        if (TryCall(ct => Client.Promotions.Submit(Model, Alias, Version, Comment, ct), $"{Model} v{Version}", out var promotion)) WriteObject(promotion);
    }
}

/// <summary>Gets promotion requests: one by id, or by state and model.</summary>
/// <remarks>
/// Each request with its gates, approvals and decisions.
/// </remarks>
/// <example>
/// <code>Get-PortalPromotion -State Pending</code>
/// The requests waiting for an Approver.
/// </example>
/// <example>
/// <code>Get-PortalModel -Name fashion | Get-PortalPromotion</code>
/// Every request about the model fashion, newest first.
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalPromotion", DefaultParameterSetName = "List")]
[OutputType(typeof(PromotionView))]
public sealed class GetPortalPromotionCommand : PortalCmdlet
{
    /// <summary>The request's id (-Id is the same); binds the PromotionId of a request piped in.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ById", Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid PromotionId { get; set; }

    /// <summary>Only the requests in this state.</summary>
    [Parameter(ParameterSetName = "List")]
    [ValidateSet("Pending", "Approved", "Denied", "Cancelled", "Expired")]
    public string? State { get; set; }

    /// <summary>Only the requests of this model; binds the ModelName of a model piped in, or the Model of a version.</summary>
    [Parameter(ParameterSetName = "List", ValueFromPipelineByPropertyName = true)]
    [Alias("ModelName")]
    public string? Model { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "ById")
        {
            if (TryCall(ct => Client.Promotions.Get(PromotionId, ct), PromotionId, out var promotion)) WriteObject(promotion);
            return;
        }
        WriteAll(Client.Promotions.ListAll(State, Model, Stopped), Model);
    }
}

/// <summary>The id of a promotion request, bound from a promotion piped in.</summary>
public abstract class PromotionDecisionCmdlet : PortalCmdlet
{
    /// <summary>The request's id (-Id is the same); binds the PromotionId of a request piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid PromotionId { get; set; }

    /// <summary>The reason for the decision, kept with it and in the audit log.</summary>
    [Parameter]
    public string? Comment { get; set; }

    /// <summary>Write the request after the decision.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected void Decide(string action, Func<CancellationToken, Task<PromotionView>> decide)
    {
        if (!ShouldProcess($"promotion request {PromotionId}", action)) return;
        if (TryCall(decide, PromotionId, out var promotion) && PassThru) WriteObject(promotion);
    }
}

/// <summary>Approves a promotion request (not your own).</summary>
/// <remarks>
/// When enough approvals are in, the alias moves and serving swaps to the version. An Admin may approve despite failed
/// gates with -OverrideReason.
/// </remarks>
/// <example>
/// <code>Get-PortalPromotion -State Pending | Approve-PortalPromotion -Comment 'reviewed'</code>
/// </example>
[Cmdlet(VerbsLifecycle.Approve, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PromotionView))]
public sealed class ApprovePortalPromotionCommand : PromotionDecisionCmdlet
{
    /// <summary>An Admin's reason to approve despite failed gates.</summary>
    [Parameter]
    public string? OverrideReason { get; set; }

    protected override void ProcessRecord() => Decide("Approve", ct => Client.Promotions.Approve(PromotionId, Comment, OverrideReason, ct));
}

/// <summary>Denies a promotion request.</summary>
/// <remarks>
/// The request closes; the alias stays where it is.
/// </remarks>
/// <example>
/// <code>Deny-PortalPromotion -Id $request.Id -Comment 'latency too high'</code>
/// </example>
[Cmdlet(VerbsLifecycle.Deny, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PromotionView))]
public sealed class DenyPortalPromotionCommand : PromotionDecisionCmdlet
{
    protected override void ProcessRecord() => Decide("Deny", ct => Client.Promotions.Deny(PromotionId, Comment, ct));
}

/// <summary>Cancels a pending promotion request (your own, or any as an Admin).</summary>
/// <remarks>
/// The request closes as Cancelled and the alias stays where it is; the cancellation and its comment are in the audit
/// log. Only the requester or an Admin may cancel, and only while the request is pending.
/// </remarks>
/// <example>
/// <code>Stop-PortalPromotion -Id $request.Id -Comment 'submitted the wrong version'</code>
/// </example>
/// <example>
/// <code>Get-PortalPromotion -State Pending -Model fashion | Stop-PortalPromotion -PassThru</code>
/// Cancels the pending requests about fashion and writes each one, now Cancelled.
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PromotionView))]
public sealed class StopPortalPromotionCommand : PromotionDecisionCmdlet
{
    protected override void ProcessRecord() => Decide("Cancel", ct => Client.Promotions.Cancel(PromotionId, Comment, ct));
}

/// <summary>Rolls an alias back to the version that held it before.</summary>
/// <remarks>
/// An Approver's act, audited; serving swaps back at once.
/// </remarks>
/// <example>
/// <code>Undo-PortalPromotion -Model fashion -Alias production -Comment 'regression in the field'</code>
/// </example>
/// <example>
/// <code>Get-PortalModel -Name fashion | Undo-PortalPromotion -Alias production -Comment 'errors in the field' -Confirm:$false -PassThru</code>
/// Rolls production of the model piped in back, without asking, and writes the rollback.
/// </example>
[Cmdlet(VerbsCommon.Undo, "PortalPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RollbackView))]
public sealed class UndoPortalPromotionCommand : PortalCmdlet
{
    /// <summary>The model; binds the ModelName of a model piped in, or the Model of a version or deployment.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ModelName")]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The alias to roll back (default production); binds the Alias of an object piped in.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Alias { get; set; } = "production";

    /// <summary>Why, for the audit log.</summary>
    [Parameter]
    public string? Comment { get; set; }

    /// <summary>Write the rollback (the alias, the version it left and the version it points to again).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Model} alias '{Alias}'", "Roll back to the previous version")) return;
        if (TryCall(ct => Client.Models.Rollback(Model, Alias, Comment, ct), $"{Model}/{Alias}", out var rollback) && PassThru) WriteObject(rollback);
    }
}
