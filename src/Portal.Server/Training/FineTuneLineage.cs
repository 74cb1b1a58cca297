using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Training;
using Portal.Server.Persistence;

namespace Portal.Server.Training;

/// <summary>The version each fine-tuned run started from, by model name and number, as runs and the versions made from them show it.</summary>
public static class FineTuneLineage
{
    /// <summary>By run id; runs trained from scratch are absent.</summary>
    public static async Task<IReadOnlyDictionary<Guid, FineTunedFrom>> Of(PortalDbContext db, IEnumerable<TrainingRun> runs, CancellationToken ct)
    {
        var tuned = runs.Where(r => r.FineTunedFromVersionId is not null).ToList();
        if (tuned.Count == 0) return new Dictionary<Guid, FineTunedFrom>();
        var ids = tuned.Select(r => r.FineTunedFromVersionId!.Value).Distinct().ToList();
        var versions = await (from v in db.ModelVersions.AsNoTracking()
                              join m in db.Models.AsNoTracking() on v.ModelId equals m.Id
                              where ids.Contains(v.Id)
                              select new { v.Id, Model = m.Name, v.Number }).ToDictionaryAsync(v => v.Id, ct);
        var lineage = new Dictionary<Guid, FineTunedFrom>();
        foreach (var run in tuned)
        {
            if (versions.TryGetValue(run.FineTunedFromVersionId!.Value, out var v))
                lineage[run.Id] = new FineTunedFrom(v.Id, v.Model, v.Number, run.FreezeBody);
        }
        return lineage;
    }

    /// <summary>What the run with <paramref name="runId"/> fine-tuned, or null.</summary>
    public static async Task<FineTunedFrom?> OfRun(PortalDbContext db, Guid? runId, CancellationToken ct)
    {
        if (runId is null) return null;
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        return run is null ? null : (await Of(db, [run], ct)).GetValueOrDefault(run.Id);
    }
}
