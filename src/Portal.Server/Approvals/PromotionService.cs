using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Approvals;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Approvals;

/// <summary>
/// Promotion requests from making to closing: pending → approved (the alias moves in the same save as the deciding
/// approval) / denied / cancelled / expired. Every state change and every decision gives the request a new
/// concurrency stamp, so of two decisions made at once on the same request only the first to save applies.
/// Expiry is applied lazily whenever a request is read or decided (and by <see cref="PromotionExpirySweep"/>),
/// so an expired request can never be approved.
/// </summary>
public sealed class PromotionService(PortalDbContext db, PromotionPolicies policies, AliasMover mover, AuditLog audit, TimeProvider clock)
{
    public const string SystemActor = "system";

    /// <summary>Why the requester may not approve: the API's 403 and the approvals page say the same.</summary>
    public const string OwnRequestApproval = "A requester cannot approve their own request; another approver must decide it.";

    /// <summary>Why the requester may not deny: the API's 403 and the approvals page say the same.</summary>
    public const string OwnRequestDenial = "A requester cannot decide their own request; cancel it instead.";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public async Task<PromotionView> Create(PromotionDraft draft, CurrentUser caller, CancellationToken ct)
    {
        RegistryNames.CheckAlias(draft.Alias);
        var model = await db.RequireModel(draft.Model, ct);
        var version = await db.RequireVersion(model, draft.Version, ct);

        var policy = await policies.Effective(model.Id, ct);
        if (!PromotionPolicies.IsProtected(policy, draft.Alias))
        {
            var protectedList = policy.ProtectedAliases.Length == 0 ? "none" : string.Join(", ", policy.ProtectedAliases);
            throw Refusal.Invalid($"Alias '{draft.Alias}' of model '{model.Name}' is not protected by its policy (protected: {protectedList}); move it directly through the registry, no promotion request is needed.");
        }

        await ExpireOverdue(ct);
        var holder = await db.Aliases.AsNoTracking().FirstOrDefaultAsync(a => a.ModelId == model.Id && a.Name == draft.Alias, ct);
        if (holder?.VersionId == version.Id)
            throw Refusal.Conflict($"Version {version.Number} already holds alias '{draft.Alias}' of model '{model.Name}'.");
        var pending = await db.PromotionRequests.AsNoTracking()
            .FirstOrDefaultAsync(r => r.ModelId == model.Id && r.Alias == draft.Alias && r.State == PromotionState.Pending, ct);
        if (pending is not null)
            throw Refusal.Conflict($"Request {pending.Id} by {pending.RequestedBy} to move alias '{draft.Alias}' of model '{model.Name}' is already pending; it must be decided, cancelled or expire first.");

        GateEvaluator.Evidence? held = null;
        if (holder is not null)
        {
            var heldVersion = await db.ModelVersions.AsNoTracking().FirstAsync(v => v.Id == holder.VersionId, ct);
            held = Registry.VersionEvidenceReader.ForGates(heldVersion);
        }
        var gates = GateEvaluator.Evaluate(policy, Registry.VersionEvidenceReader.ForGates(version), held);

        var now = Now();
        var request = new PromotionRequest
        {
            ModelId = model.Id,
            Alias = draft.Alias,
            VersionId = version.Id,
            CurrentVersionId = holder?.VersionId,
            RequestedBy = caller.Name,
            Comment = string.IsNullOrWhiteSpace(draft.Comment) ? null : draft.Comment.Trim(),
            CreatedAt = now,
            ExpiresAt = now.AddHours(policy.RequestLifetimeHours),
            GateResultsJson = JsonSerializer.Serialize(gates, s_json),
            GatesPassed = gates.All(g => g.Passed),
        };
        db.PromotionRequests.Add(request);
        audit.Append(caller.Name, "promotion.request", "promotion", request.Id.ToString(), new
        {
            model = model.Name,
            alias = draft.Alias,
            version = version.Number,
            currentVersion = held?.Number,
            request.GatesPassed,
            failedGates = gates.Where(g => !g.Passed).Select(g => g.Name).ToArray(),
            request.ExpiresAt,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The unique index of pending requests per alias refused ours: another request landed between the check and the save.
            if (await NoOtherPending(model.Id, draft.Alias, request.Id)) throw;
            throw Refusal.Conflict($"Another request to move alias '{draft.Alias}' of model '{model.Name}' was made at the same moment and is pending; it must be decided, cancelled or expire first.");
        }
        return await View(request, ct);
    }

    public async Task<PromotionView> Get(Guid id, CancellationToken ct)
    {
        var request = await db.PromotionRequests.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw Refusal.NotFound($"No promotion request {id}.");
        if (Overdue(request)) request = await ExpireAndReload(request, ct);
        return await View(request, ct);
    }

    /// <summary>Requests newest first, optionally only those in <paramref name="state"/> or of model <paramref name="modelName"/>.</summary>
    public async Task<Page<PromotionView>> List(string? state, string? modelName, PageRequest page, CancellationToken ct)
    {
        PromotionState? wanted = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (!Enum.TryParse<PromotionState>(state, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                throw Refusal.Invalid($"state '{state}' is not one of {string.Join(", ", Enum.GetNames<PromotionState>())}.");
            wanted = parsed;
        }
        await ExpireOverdue(ct);

        var query = db.PromotionRequests.AsNoTracking();
        if (wanted is { } s) query = query.Where(r => r.State == s);
        if (!string.IsNullOrEmpty(modelName))
            query = query.Where(r => db.Models.Any(m => m.Id == r.ModelId && m.Name == modelName));
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new Page<PromotionView>(await Views(items, ct), page.Skip, page.Take, total);
    }

    public async Task<PromotionView> Approve(Guid id, ApprovalInput input, CurrentUser caller, CancellationToken ct)
    {
        var request = await PendingRequest(id, "approved", ct);
        var policy = await policies.Effective(request.ModelId, ct);
        // The requester hears why first, whatever their role: that reason holds even after a promotion to Approver.
        if (caller.Name == request.RequestedBy) throw Refusal.Forbidden(OwnRequestApproval);
        if (!caller.IsAtLeast(policy.ApproverRole))
            throw Refusal.Forbidden($"Approving promotions of this model takes the role {policy.ApproverRole}; you are {caller.Role}.");
        var decisions = await db.PromotionDecisions.Where(d => d.RequestId == id).ToListAsync(ct);
        if (decisions.FirstOrDefault(d => d.DecidedBy == caller.Name) is { } mine)
            throw Refusal.Conflict($"You already decided request {id} ({mine.Kind} at {mine.DecidedAt:u}); an approver decides a request once.");

        var blocked = !request.GatesPassed && !decisions.Any(d => d.OverrodeGates);
        var reason = string.IsNullOrWhiteSpace(input.OverrideReason) ? null : input.OverrideReason.Trim();
        var failed = FailedGates(request);
        if (reason is not null && !blocked)
            throw Refusal.Invalid($"overrideReason is only for a request whose gates failed and are not yet overridden; request {id} has nothing to override.");
        if (blocked && !(caller.IsAdmin && reason is not null))
        {
            throw caller.IsAdmin
                ? Refusal.Invalid($"Request {id} failed its gates ({failed}); to approve it anyway, give a written overrideReason.")
                : Refusal.Conflict($"Request {id} failed its gates ({failed}); it cannot be approved unless an Admin overrides them with a written reason.");
        }

        var alias = await db.Aliases.FirstOrDefaultAsync(a => a.ModelId == request.ModelId && a.Name == request.Alias, ct);
        if (alias?.VersionId != request.CurrentVersionId)
            throw Refusal.Conflict($"Alias '{request.Alias}' has moved since request {id} was made, so its gates compared against a holder that is gone; cancel it and make a new request.");

        var now = Now();
        var comment = input.Comment?.Trim() ?? "";
        db.PromotionDecisions.Add(new PromotionDecision
        {
            RequestId = id,
            DecidedBy = caller.Name,
            Kind = DecisionKind.Approve,
            // An override's decision carries its written reason (PromotionDecision.OverrodeGates).
            Comment = reason is null ? comment : comment.Length == 0 ? reason : $"{comment}\nOverride reason: {reason}",
            OverrodeGates = reason is not null,
            DecidedAt = now,
        });
        request.ConcurrencyStamp = Guid.NewGuid();
        var approvals = decisions.Count(d => d.Kind == DecisionKind.Approve) + 1;
        var applies = approvals >= policy.RequiredApprovals;
        if (reason is not null)
            audit.Append(caller.Name, "promotion.override", "promotion", id.ToString(), new { reason, failedGates = failed });
        audit.Append(caller.Name, "promotion.approve", "promotion", id.ToString(), new { comment, approvals, required = policy.RequiredApprovals, applied = applies });
        if (applies)
        {
            request.State = PromotionState.Approved;
            request.ClosedAt = now;
            await mover.Stage(request.ModelId, request.Alias, request.VersionId, AliasMoveReason.Promotion, caller.Name, request.Id, ct);
        }
        return await SaveDecision(request, ct);
    }

    public async Task<PromotionView> Deny(Guid id, DenialInput input, CurrentUser caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(input.Comment)) throw Refusal.Invalid("A denial needs a comment saying why.");
        var request = await PendingRequest(id, "denied", ct);
        var policy = await policies.Effective(request.ModelId, ct);
        if (caller.Name == request.RequestedBy) throw Refusal.Forbidden(OwnRequestDenial);
        if (!caller.IsAtLeast(policy.ApproverRole))
            throw Refusal.Forbidden($"Deciding promotions of this model takes the role {policy.ApproverRole}; you are {caller.Role}.");
        if (await db.PromotionDecisions.AnyAsync(d => d.RequestId == id && d.DecidedBy == caller.Name, ct))
            throw Refusal.Conflict($"You already decided request {id}; an approver decides a request once.");

        var now = Now();
        var comment = input.Comment.Trim();
        db.PromotionDecisions.Add(new PromotionDecision { RequestId = id, DecidedBy = caller.Name, Kind = DecisionKind.Deny, Comment = comment, DecidedAt = now });
        Close(request, PromotionState.Denied, now);
        audit.Append(caller.Name, "promotion.deny", "promotion", id.ToString(), new { comment });
        return await SaveDecision(request, ct);
    }

    public async Task<PromotionView> Cancel(Guid id, CancellationInput input, CurrentUser caller, CancellationToken ct)
    {
        var request = await PendingRequest(id, "cancelled", ct);
        if (caller.Name != request.RequestedBy && !caller.IsAdmin)
            throw Refusal.Forbidden($"Only the requester ({request.RequestedBy}) or an Admin can cancel request {id}.");
        Close(request, PromotionState.Cancelled, Now());
        audit.Append(caller.Name, "promotion.cancel", "promotion", id.ToString(), new { comment = input.Comment?.Trim() });
        return await SaveDecision(request, ct);
    }

    /// <summary>Marks every pending request past its expiry as expired; returns how many. A request decided meanwhile is left to its decider.</summary>
    public async Task<int> ExpireOverdue(CancellationToken ct)
    {
        var now = Now();
        var overdue = await db.PromotionRequests.Where(r => r.State == PromotionState.Pending && r.ExpiresAt <= now).ToListAsync(ct);
        if (overdue.Count == 0) return 0;
        foreach (var request in overdue) MarkExpired(request, now);
        try
        {
            await db.SaveChangesAsync(ct);
            return overdue.Count;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return 0;
        }
    }

    private async Task<PromotionRequest> PendingRequest(Guid id, string verb, CancellationToken ct)
    {
        var request = await db.PromotionRequests.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw Refusal.NotFound($"No promotion request {id}.");
        if (Overdue(request))
        {
            request = await ExpireAndReload(request, ct);
            if (request.State == PromotionState.Expired)
                throw Refusal.Conflict($"Request {id} expired at {request.ExpiresAt:u} and can no longer be {verb}; make a new request.");
        }
        if (request.State != PromotionState.Pending)
            throw Refusal.Conflict($"Request {id} is {request.State.ToString().ToLowerInvariant()}, not pending; it can no longer be {verb}.");
        return request;
    }

    private async Task<bool> NoOtherPending(Guid modelId, string alias, Guid mine)
    {
        db.ChangeTracker.Clear();
        return !await db.PromotionRequests.AnyAsync(r => r.ModelId == modelId && r.Alias == alias && r.State == PromotionState.Pending && r.Id != mine);
    }

    private bool Overdue(PromotionRequest request) => request.State == PromotionState.Pending && Now() >= request.ExpiresAt;

    private async Task<PromotionRequest> ExpireAndReload(PromotionRequest request, CancellationToken ct)
    {
        MarkExpired(request, Now());
        try
        {
            await db.SaveChangesAsync(ct);
            return request;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone else closed it first; show what they did.
            db.ChangeTracker.Clear();
            return await db.PromotionRequests.FirstAsync(r => r.Id == request.Id, ct);
        }
    }

    private void MarkExpired(PromotionRequest request, DateTimeOffset now)
    {
        Close(request, PromotionState.Expired, now);
        audit.Append(SystemActor, "promotion.expire", "promotion", request.Id.ToString(), new { request.ExpiresAt });
    }

    private static void Close(PromotionRequest request, PromotionState state, DateTimeOffset now)
    {
        request.State = state;
        request.ClosedAt = now;
        request.ConcurrencyStamp = Guid.NewGuid();
    }

    private async Task<PromotionView> SaveDecision(PromotionRequest request, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A stale concurrency stamp (request or alias), or the one-decision-per-approver index: either way a
            // decision saved meanwhile won.
            db.ChangeTracker.Clear();
            throw Refusal.Conflict($"Someone else decided request {request.Id} first (or moved its alias); reload it and decide again if it is still pending.");
        }
        return await View(request, ct);
    }

    /// <summary>Now, to the microsecond: what every database stores exactly, so a response and a later read agree.</summary>
    private DateTimeOffset Now() => AuditHash.Truncate(clock.GetUtcNow());

    private static string FailedGates(PromotionRequest request) =>
        string.Join("; ", Gates(request).Where(g => !g.Passed).Select(g => $"{g.Name}: {g.Detail}"));

    private static IReadOnlyList<GateResult> Gates(PromotionRequest request) =>
        JsonSerializer.Deserialize<List<GateResult>>(request.GateResultsJson, s_json) ?? [];

    private async Task<PromotionView> View(PromotionRequest request, CancellationToken ct) => (await Views([request], ct))[0];

    private async Task<IReadOnlyList<PromotionView>> Views(IReadOnlyList<PromotionRequest> requests, CancellationToken ct)
    {
        var modelIds = requests.Select(r => r.ModelId).Distinct().ToList();
        var versionIds = requests.Select(r => r.VersionId).Concat(requests.Where(r => r.CurrentVersionId is not null).Select(r => r.CurrentVersionId!.Value)).Distinct().ToList();
        var requestIds = requests.Select(r => r.Id).ToList();
        var models = await db.Models.AsNoTracking().Where(m => modelIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var numbers = await db.ModelVersions.AsNoTracking().Where(v => versionIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Number, ct);
        var required = await db.PromotionPolicies.AsNoTracking().Where(p => modelIds.Contains(p.ModelId)).ToDictionaryAsync(p => p.ModelId, p => p.RequiredApprovals, ct);
        var decisions = (await db.PromotionDecisions.AsNoTracking().Where(d => requestIds.Contains(d.RequestId)).ToListAsync(ct))
            .OrderBy(d => d.DecidedAt).ToLookup(d => d.RequestId);

        return [.. requests.Select(r => new PromotionView(
            r.Id,
            models.GetValueOrDefault(r.ModelId, r.ModelId.ToString()),
            r.Alias,
            numbers.GetValueOrDefault(r.VersionId),
            r.CurrentVersionId is { } current && numbers.TryGetValue(current, out var n) ? n : null,
            r.State.ToString(),
            r.RequestedBy,
            r.Comment,
            r.CreatedAt,
            r.ExpiresAt,
            r.ClosedAt,
            r.GatesPassed,
            Gates(r),
            decisions[r.Id].Count(d => d.Kind == DecisionKind.Approve),
            required.GetValueOrDefault(r.ModelId, 1),
            [.. decisions[r.Id].Select(d => new DecisionView(d.DecidedBy, d.Kind.ToString(), d.Comment, d.OverrodeGates, d.DecidedAt))]))];
    }
}
