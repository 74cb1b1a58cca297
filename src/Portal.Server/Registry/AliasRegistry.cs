using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Server.Api;
using Portal.Server.Approvals;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// A model's aliases: where each points, direct moves of the unprotected ones (protected aliases move only through
/// a promotion request), and who held an alias when. Every move goes through <see cref="AliasMover"/>.
/// </summary>
public sealed class AliasRegistry(PortalDbContext db, AliasMover mover)
{
    public async Task<IReadOnlyList<AliasView>> List(string modelName, CancellationToken ct) =>
        await AliasViews.Current(db, await db.RequireModel(modelName, ct), ct);

    /// <summary>Points <paramref name="alias"/> at version <paramref name="number"/>; a no-op when it already does.</summary>
    public async Task<AliasView> MoveDirectly(string modelName, string alias, int number, string actor, CancellationToken ct)
    {
        RegistryNames.CheckAlias(alias);
        var model = await db.RequireModel(modelName, ct);
        var version = await db.RequireVersion(model, number, ct);
        if (await IsProtected(model.Id, alias, ct))
            throw Refusal.Conflict(
                $"Alias '{alias}' of model '{model.Name}' is protected by the model's promotion policy: moving it needs a promotion request, approved as the policy requires.");
        var current = await db.Aliases.AsNoTracking().FirstOrDefaultAsync(a => a.ModelId == model.Id && a.Name == alias, ct);
        if (current?.VersionId != version.Id)
        {
            await mover.Stage(model.Id, alias, version.Id, AliasMoveReason.Direct, actor, null, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e is not DbUpdateConcurrencyException)
            {
                // Two first moves of the same alias at once: the alias row's key refuses the second.
                throw Refusal.Conflict($"Alias '{alias}' of model '{model.Name}' was moved by someone else at the same time; look at it and try again.", e);
            }
        }
        return (await AliasViews.Current(db, model, ct)).Single(a => a.Alias == alias);
    }

    /// <summary>Who held <paramref name="alias"/>, and when, newest stretch first: one query over the holding history.</summary>
    public async Task<Page<AliasStretchView>> History(string modelName, string alias, PageRequest page, CancellationToken ct)
    {
        RegistryNames.CheckAlias(alias);
        var model = await db.RequireModel(modelName, ct);
        var stretches =
            from a in db.AliasAssignments.AsNoTracking()
            join v in db.ModelVersions.AsNoTracking() on a.VersionId equals v.Id
            where a.ModelId == model.Id && a.Alias == alias
            orderby a.Since descending, a.Id descending
            select new { a, v.Number };
        return await page.Apply(stretches, s => new AliasStretchView(
            s.a.Alias, s.Number, s.a.VersionId, s.a.Since, s.a.Until, s.a.AssignedBy, s.a.Reason.ToString(), s.a.PromotionRequestId), ct);
    }

    private async Task<bool> IsProtected(Guid modelId, string alias, CancellationToken ct)
    {
        var policy = await AliasViews.Policy(db, modelId, ct);
        return policy.ProtectedAliases.Contains(alias, StringComparer.OrdinalIgnoreCase);
    }
}

internal static class AliasViews
{
    public static async Task<IReadOnlyList<AliasView>> Current(PortalDbContext db, RegisteredModel model, CancellationToken ct) =>
        (await Current(db, [model.Id], ct))[model.Id];

    /// <summary>Each model's aliases by name, in three queries whatever the number of models (a page of the model list).</summary>
    public static async Task<Dictionary<Guid, IReadOnlyList<AliasView>>> Current(PortalDbContext db, IReadOnlyCollection<Guid> modelIds, CancellationToken ct)
    {
        var policies = await db.PromotionPolicies.AsNoTracking().Where(p => modelIds.Contains(p.ModelId)).ToDictionaryAsync(p => p.ModelId, ct);
        var rows = await (
            from a in db.Aliases.AsNoTracking()
            join v in db.ModelVersions.AsNoTracking() on a.VersionId equals v.Id
            where modelIds.Contains(a.ModelId)
            select new { a, v.Number }).ToListAsync(ct);
        var byModel = rows.ToLookup(r => r.a.ModelId);
        return modelIds.ToDictionary(id => id, id =>
        {
            var policy = policies.GetValueOrDefault(id) ?? new PromotionPolicy { ModelId = id };
            return (IReadOnlyList<AliasView>)[.. byModel[id].OrderBy(r => r.a.Name, StringComparer.Ordinal).Select(r => new AliasView(
                r.a.Name, r.Number, r.a.VersionId, r.a.UpdatedAt, r.a.UpdatedBy, policy.ProtectedAliases.Contains(r.a.Name, StringComparer.OrdinalIgnoreCase)))];
        });
    }

    /// <summary>The model's stored promotion policy, or the default one (only <c>production</c> protected).</summary>
    public static async Task<PromotionPolicy> Policy(PortalDbContext db, Guid modelId, CancellationToken ct) =>
        await db.PromotionPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.ModelId == modelId, ct) ?? new PromotionPolicy { ModelId = modelId };
}
