using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Serving;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Serving;

/// <summary>
/// Reads deployments and changes their settings: batching (Admin) and the canary (Approver). Each change is
/// stored with its audit event in one save, then applied to the running deployment before the call returns.
/// </summary>
public sealed class DeploymentService(PortalDbContext db, AuditLog audit, DeploymentSet deployments, TimeProvider clock)
{
    public Page<DeploymentView> List(PageRequest page)
    {
        var all = deployments.All.ToList();
        return new Page<DeploymentView>([.. all.Skip(page.Skip).Take(page.Take).Select(d => DeploymentViews.View(d, clock))], page.Skip, page.Take, all.Count);
    }

    public DeploymentView Get(string model, string alias) => DeploymentViews.View(Require(model, alias), clock);

    public async Task<DeploymentView> SetBatching(string model, string alias, BatchingInput input, string actor, CancellationToken ct)
    {
        var deployment = Require(model, alias);
        var defaults = deployments.Defaults;
        var effective = new BatchingSettings(
            input.MaxBatchSize ?? defaults.MaxBatchSize,
            input.MaxQueueDelayMicroseconds ?? defaults.MaxQueueDelayMicroseconds,
            input.MaxQueueSize ?? defaults.MaxQueueSize).Validated();
        var row = await Row(deployment, actor, ct);
        row.MaxBatchSize = input.MaxBatchSize;
        row.MaxQueueDelayMicroseconds = input.MaxQueueDelayMicroseconds;
        row.MaxQueueSize = input.MaxQueueSize;
        audit.Append(actor, "deployment.batching", "model", deployment.ModelId.ToString(), new { model, alias, effective.MaxBatchSize, effective.MaxQueueDelayMicroseconds, effective.MaxQueueSize });
        await db.SaveChangesAsync(ct);
        await deployments.Reconcile(deployment.ModelId, alias, ct);
        return DeploymentViews.View(deployment, clock);
    }

    public async Task<DeploymentView> SetCanary(string model, string alias, CanaryInput input, string actor, CancellationToken ct)
    {
        var deployment = Require(model, alias);
        if (!(input.Percent > 0 && input.Percent < 100))
            throw Refusal.Invalid($"percent must be more than 0 and less than 100, not {input.Percent}; to send every request to version {input.Version}, promote it.");
        var version = await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.ModelId == deployment.ModelId && v.Number == input.Version, ct)
            ?? throw Refusal.NotFound($"Model '{model}' has no version {input.Version}.");
        var holder = await db.Aliases.AsNoTracking().Where(a => a.ModelId == deployment.ModelId && a.Name == alias).Select(a => a.VersionId).FirstOrDefaultAsync(ct);
        if (holder == version.Id)
            throw Refusal.Conflict($"Version {input.Version} already holds alias '{alias}' of model '{model}'; a canary must be another version.");
        var row = await Row(deployment, actor, ct);
        row.CanaryVersionId = version.Id;
        row.CanaryPercent = input.Percent;
        audit.Append(actor, "deployment.canary", "model", deployment.ModelId.ToString(), new { model, alias, version = input.Version, versionId = version.Id, input.Percent });
        await db.SaveChangesAsync(ct);
        await deployments.Reconcile(deployment.ModelId, alias, ct);
        return DeploymentViews.View(deployment, clock);
    }

    public async Task<DeploymentView> RemoveCanary(string model, string alias, string actor, CancellationToken ct)
    {
        var deployment = Require(model, alias);
        var row = await db.DeploymentSettings.FirstOrDefaultAsync(s => s.ModelId == deployment.ModelId && s.Alias == alias, ct);
        if (row?.CanaryVersionId is null)
            throw Refusal.NotFound($"Deployment '{model}/{alias}' has no canary.");
        row.CanaryVersionId = null;
        row.CanaryPercent = 0;
        row.UpdatedBy = actor;
        row.UpdatedAt = clock.GetUtcNow();
        audit.Append(actor, "deployment.canary.remove", "model", deployment.ModelId.ToString(), new { model, alias });
        await db.SaveChangesAsync(ct);
        await deployments.Reconcile(deployment.ModelId, alias, ct);
        return DeploymentViews.View(deployment, clock);
    }

    private Deployment Require(string model, string alias) => deployments.Find(model, alias)
        ?? throw Refusal.NotFound($"No deployment '{model}/{alias}': a deployment exists while the model has that alias.");

    private async Task<DeploymentSettings> Row(Deployment deployment, string actor, CancellationToken ct)
    {
        var row = await db.DeploymentSettings.FirstOrDefaultAsync(s => s.ModelId == deployment.ModelId && s.Alias == deployment.Alias, ct);
        if (row is null)
        {
            row = new DeploymentSettings { ModelId = deployment.ModelId, Alias = deployment.Alias, UpdatedBy = actor };
            db.DeploymentSettings.Add(row);
        }
        row.UpdatedBy = actor;
        row.UpdatedAt = clock.GetUtcNow();
        return row;
    }
}
