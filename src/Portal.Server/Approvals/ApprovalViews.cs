using Portal.Contracts.Approvals;

namespace Portal.Server.Approvals;

/// <summary>Policies as the API shows them (the records are Portal.Contracts').</summary>
public static class ApprovalViews
{
    public static PolicyView View(string modelName, PromotionPolicy policy, bool isDefault) => new(
        modelName, policy.ProtectedAliases, policy.RequiredApprovals, policy.ApproverRole, policy.MinAccuracy, policy.MaxAccuracyDrop,
        policy.MaxP95LatencyMs, policy.RequestLifetimeHours, isDefault, isDefault ? null : policy.UpdatedBy, isDefault ? null : policy.UpdatedAt);
}
