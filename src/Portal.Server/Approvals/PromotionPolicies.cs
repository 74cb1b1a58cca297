using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Approvals;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Approvals;

/// <summary>
/// Reads and changes per-model promotion policies. A model without a stored policy has the default one
/// (see <see cref="PromotionPolicy"/>). The registry asks <see cref="IsProtected"/> before a direct alias move.
/// </summary>
public sealed class PromotionPolicies(PortalDbContext db, AuditLog audit, TimeProvider clock)
{
    public const int MaxRequiredApprovals = 10;
    public const int MaxLifetimeHours = 24 * 366;
    public const int MaxProtectedAliases = 32;
    public const double MaxLatencyMs = 600_000;

    /// <summary>The stored policy (untracked), or the default for a model that has none.</summary>
    public async Task<PromotionPolicy> Effective(Guid modelId, CancellationToken ct) => (await Read(modelId, ct)).Policy;

    public async Task<bool> IsProtected(Guid modelId, string alias, CancellationToken ct) =>
        IsProtected(await Effective(modelId, ct), alias);

    /// <summary>Protection is decided ignoring case, as the registry decides it, so a policy can only protect a name that can exist.</summary>
    public static bool IsProtected(PromotionPolicy policy, string alias) => policy.ProtectedAliases.Any(p => string.Equals(p, alias, StringComparison.OrdinalIgnoreCase));

    public async Task<(PromotionPolicy Policy, bool IsDefault)> Read(Guid modelId, CancellationToken ct)
    {
        var stored = await db.PromotionPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.ModelId == modelId, ct);
        return stored is null ? (new PromotionPolicy { ModelId = modelId, UpdatedAt = default }, true) : (stored, false);
    }

    /// <summary>Replaces the model's policy with <paramref name="settings"/>; throws <see cref="Refusal"/> naming the first invalid field.</summary>
    public async Task<PromotionPolicy> Replace(Guid modelId, string modelName, PolicySettings settings, string actor, CancellationToken ct)
    {
        var wanted = Validate(modelId, settings);
        var row = await db.PromotionPolicies.FirstOrDefaultAsync(p => p.ModelId == modelId, ct);
        var before = row is null ? null : Snapshot(row);
        if (row is null)
        {
            row = new PromotionPolicy { ModelId = modelId };
            db.PromotionPolicies.Add(row);
        }
        row.ProtectedAliases = wanted.ProtectedAliases;
        row.RequiredApprovals = wanted.RequiredApprovals;
        row.ApproverRole = wanted.ApproverRole;
        row.MinAccuracy = wanted.MinAccuracy;
        row.MaxAccuracyDrop = wanted.MaxAccuracyDrop;
        row.MaxP95LatencyMs = wanted.MaxP95LatencyMs;
        row.RequestLifetimeHours = wanted.RequestLifetimeHours;
        row.UpdatedBy = actor;
        row.UpdatedAt = AuditHash.Truncate(clock.GetUtcNow()); // what every database stores exactly
        audit.Append(actor, "policy.change", "model", modelId.ToString(), new { model = modelName, before, after = Snapshot(row) });
        await db.SaveChangesAsync(ct);
        return row;
    }

    /// <summary>The policy <paramref name="settings"/> describe, with defaults filled in; throws <see cref="Refusal"/> on the first invalid field.</summary>
    public static PromotionPolicy Validate(Guid modelId, PolicySettings settings)
    {
        var policy = new PromotionPolicy { ModelId = modelId };
        if (settings.ProtectedAliases is { } aliases)
        {
            if (aliases.Length > MaxProtectedAliases)
                throw Refusal.Invalid($"protectedAliases has {aliases.Length} names; at most {MaxProtectedAliases} are allowed.");
            foreach (var alias in aliases)
            {
                if (RegistryNames.AliasProblem(alias) is { } bad) throw Refusal.Invalid($"protectedAliases: {bad}");
            }
            var duplicate = aliases.GroupBy(a => a, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw Refusal.Invalid($"protectedAliases names '{duplicate.Key}' more than once.");
            policy.ProtectedAliases = aliases;
        }

        policy.RequiredApprovals = settings.RequiredApprovals ?? 1;
        if (policy.RequiredApprovals is < 1 or > MaxRequiredApprovals)
            throw Refusal.Invalid($"requiredApprovals must be between 1 and {MaxRequiredApprovals}, not {policy.RequiredApprovals}.");

        var role = PortalRoles.Normalize(settings.ApproverRole ?? PortalRoles.Approver);
        if (role is not (PortalRoles.Approver or PortalRoles.Admin))
            throw Refusal.Invalid($"approverRole must be {PortalRoles.Approver} or {PortalRoles.Admin}, not '{settings.ApproverRole}'.");
        policy.ApproverRole = role;

        policy.MinAccuracy = Fraction("minAccuracy", settings.MinAccuracy);
        policy.MaxAccuracyDrop = Fraction("maxAccuracyDrop", settings.MaxAccuracyDrop);
        if (settings.MaxP95LatencyMs is { } latency && (!double.IsFinite(latency) || latency <= 0 || latency > MaxLatencyMs))
            throw Refusal.Invalid($"maxP95LatencyMs must be more than 0 and at most {MaxLatencyMs} (milliseconds), not {latency}.");
        policy.MaxP95LatencyMs = settings.MaxP95LatencyMs;

        policy.RequestLifetimeHours = settings.RequestLifetimeHours ?? 72;
        if (policy.RequestLifetimeHours is < 1 or > MaxLifetimeHours)
            throw Refusal.Invalid($"requestLifetimeHours must be between 1 and {MaxLifetimeHours}, not {policy.RequestLifetimeHours}.");
        return policy;
    }

    private static double? Fraction(string field, double? value)
    {
        if (value is { } v && (!double.IsFinite(v) || v < 0 || v > 1))
            throw Refusal.Invalid($"{field} is a fraction between 0 and 1 (0.9 = 90 %), not {v}.");
        return value;
    }

    private static object Snapshot(PromotionPolicy p) => new
    {
        protectedAliases = p.ProtectedAliases.ToArray(),
        p.RequiredApprovals,
        p.ApproverRole,
        p.MinAccuracy,
        p.MaxAccuracyDrop,
        p.MaxP95LatencyMs,
        p.RequestLifetimeHours,
    };
}
