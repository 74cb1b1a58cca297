using Portal.Contracts.Approvals;
using Portal.Server.Auth;
using Portal.Server.Components;

namespace Portal.Server.Approvals;

/// <summary>
/// Which buttons a user sees on a promotion request: the same rules <see cref="PromotionService"/> enforces,
/// applied ahead so nobody is offered an action that would be refused (the service still decides).
/// </summary>
public static class PromotionActions
{
    public static bool IsPending(PromotionView request) => request.State == nameof(PromotionState.Pending);

    /// <summary>Approve or deny: an Approver (the default policy's role) who is not the requester and has not decided yet.</summary>
    public static bool MayDecide(CurrentUser user, PromotionView request) =>
        IsPending(request)
        && user.IsAtLeast(PortalRoles.Approver)
        && request.RequestedBy != user.Name
        && request.Decisions.All(d => d.DecidedBy != user.Name);

    /// <summary>Why the requester of a pending request sees no Approve button: the reason the service gives them.</summary>
    public static string? WhyRequesterMayNotDecide(CurrentUser user, PromotionView request) =>
        IsPending(request) && request.RequestedBy == user.Name ? PromotionService.OwnRequestApproval : null;

    /// <summary>Cancel: the requester, or an Admin.</summary>
    public static bool MayCancel(CurrentUser user, PromotionView request) =>
        IsPending(request) && (request.RequestedBy == user.Name || user.IsAtLeast(PortalRoles.Admin));

    /// <summary>Request a promotion: Contributors and above.</summary>
    public static bool MayRequest(CurrentUser user) => user.IsAtLeast(PortalRoles.Contributor);

    /// <summary>Roll an alias back: Approvers and above.</summary>
    public static bool MayRollBack(CurrentUser user) => user.IsAtLeast(PortalRoles.Approver);
}
