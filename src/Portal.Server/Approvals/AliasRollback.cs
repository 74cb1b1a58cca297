using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Approvals;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Approvals;

/// <summary>
/// Moves an alias back to its previous holder in one action. A protected alias needs no promotion request for this:
/// it returns to a version that already held it, and the caller must hold the policy's approver role. Rolling back
/// twice returns to where it started, since each move remembers the holder it replaced.
/// </summary>
public sealed class AliasRollback(PortalDbContext db, PromotionPolicies policies, AliasMover mover, AuditLog audit)
{
    public async Task<RollbackView> Rollback(string modelName, string aliasName, RollbackInput input, CurrentUser caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(input.Comment)) throw Refusal.Invalid("A rollback needs a comment saying why.");
        var model = await db.RequireModel(modelName, ct);
        var alias = await db.Aliases.FirstOrDefaultAsync(a => a.ModelId == model.Id && a.Name == aliasName, ct)
            ?? throw Refusal.NotFound($"Model '{model.Name}' has no alias '{aliasName}'.");
        if (alias.PreviousVersionId is not { } previous)
            throw Refusal.Conflict($"Alias '{aliasName}' of model '{model.Name}' has no previous holder to roll back to.");

        var policy = await policies.Effective(model.Id, ct);
        if (PromotionPolicies.IsProtected(policy, aliasName) && !caller.IsAtLeast(policy.ApproverRole))
            throw Refusal.Forbidden($"Alias '{aliasName}' of model '{model.Name}' is protected: rolling it back takes the role {policy.ApproverRole}; you are {caller.Role}.");

        var numbers = await db.ModelVersions.AsNoTracking().Where(v => v.Id == previous || v.Id == alias.VersionId).ToDictionaryAsync(v => v.Id, v => v.Number, ct);
        if (!numbers.TryGetValue(previous, out var target))
            throw Refusal.Conflict($"The previous holder of alias '{aliasName}' (version id {previous}) no longer exists.");
        var from = numbers.GetValueOrDefault(alias.VersionId);

        var comment = input.Comment.Trim();
        await mover.Stage(model.Id, alias.Name, previous, AliasMoveReason.Rollback, caller.Name, null, ct);
        // The mover records the move; this records why.
        audit.Append(caller.Name, "promotion.rollback", "model", model.Id.ToString(), new { model = model.Name, alias = alias.Name, version = target, rolledBackFrom = from, comment });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            throw Refusal.Conflict($"Alias '{aliasName}' of model '{model.Name}' moved while it was being rolled back; reload it and try again.");
        }
        return new RollbackView(model.Name, alias.Name, target, from, comment);
    }
}
