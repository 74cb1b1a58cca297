using Microsoft.EntityFrameworkCore;
using Portal.Server.Audit;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// The one place an alias changes hands: the alias row (with its previous holder for rollback), the holding
/// history and the audit event are written in the caller's unit of work, so they commit together or not at all.
/// The alias row's concurrency stamp makes a second, concurrent move fail with DbUpdateConcurrencyException.
/// Every <see cref="IAliasMoveObserver"/> hears the move after the caller's save succeeds.
/// </summary>
public sealed class AliasMover(PortalDbContext db, AuditLog audit, TimeProvider clock, IEnumerable<IAliasMoveObserver> observers)
{
    /// <summary>Stages the move; the caller saves. Returns the version that held the alias before, if any.</summary>
    public async Task<Guid?> Stage(Guid modelId, string alias, Guid versionId, AliasMoveReason reason, string actor, Guid? promotionRequestId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var row = await db.Aliases.FirstOrDefaultAsync(a => a.ModelId == modelId && a.Name == alias, ct);
        var previous = row?.VersionId;
        if (row is null)
        {
            db.Aliases.Add(new ModelAlias { ModelId = modelId, Name = alias, VersionId = versionId, UpdatedBy = actor, UpdatedAt = now });
        }
        else
        {
            row.PreviousVersionId = row.VersionId;
            row.VersionId = versionId;
            row.UpdatedBy = actor;
            row.UpdatedAt = now;
            row.ConcurrencyStamp = Guid.NewGuid();
        }

        var open = await db.AliasAssignments.Where(a => a.ModelId == modelId && a.Alias == alias && a.Until == null).ToListAsync(ct);
        foreach (var stretch in open) stretch.Until = now;
        db.AliasAssignments.Add(new AliasAssignment
        {
            ModelId = modelId,
            Alias = alias,
            VersionId = versionId,
            Since = now,
            AssignedBy = actor,
            Reason = reason,
            PromotionRequestId = promotionRequestId,
        });
        audit.Append(actor, reason == AliasMoveReason.Rollback ? "alias.rollback" : "alias.move", "model", modelId.ToString(),
            new { alias, versionId, previousVersionId = previous, reason = reason.ToString(), promotionRequestId });
        var model = await db.Models.FindAsync([modelId], ct) ?? throw new InvalidOperationException($"Model id {modelId} does not exist.");
        TellAfterSave(new AliasMove(modelId, model.Name, alias, versionId, previous, reason));
        return previous;
    }

    private void TellAfterSave(AliasMove move)
    {
        var listeners = observers.ToArray();
        if (listeners.Length == 0) return;
        EventHandler<SavedChangesEventArgs>? saved = null;
        EventHandler<SaveChangesFailedEventArgs>? failed = null;
        void Detach()
        {
            db.SavedChanges -= saved;
            db.SaveChangesFailed -= failed;
        }
        saved = (_, _) =>
        {
            Detach();
            foreach (var listener in listeners) listener.Moved(move);
        };
        failed = (_, _) => Detach();
        db.SavedChanges += saved;
        db.SaveChangesFailed += failed;
    }
}
