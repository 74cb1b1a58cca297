using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Audit;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Approvals;

/// <summary>Models and versions written straight into the database, with evidence chosen by the test.</summary>
internal static class ModelSeed
{
    /// <summary>A new model with versions 1..n carrying <paramref name="versions"/>' evidence; returns its name.</summary>
    public static Task<string> Model(PortalFactory portal, params (double? Accuracy, double? LatencyP95Ms)[] versions) => portal.InDatabase(async db =>
    {
        var model = new RegisteredModel { Name = $"model-{Guid.NewGuid():N}"[..14], CreatedBy = "seed" };
        db.Models.Add(model);
        for (var i = 0; i < versions.Length; i++)
        {
            db.ModelVersions.Add(new ModelVersion
            {
                ModelId = model.Id,
                Number = i + 1,
                Source = VersionSource.Import,
                OnnxArtifact = new string('0', 63) + (i % 10),
                Accuracy = versions[i].Accuracy,
                LatencyP95Ms = versions[i].LatencyP95Ms,
                CreatedBy = "seed",
            });
        }
        await db.SaveChangesAsync();
        return model.Name;
    });

    /// <summary>Gives <paramref name="alias"/> to version <paramref name="number"/> through the registry's alias mover.</summary>
    public static async Task Hold(PortalFactory portal, string modelName, string alias, int number)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var model = await db.Models.SingleAsync(m => m.Name == modelName);
        var version = await db.ModelVersions.SingleAsync(v => v.ModelId == model.Id && v.Number == number);
        await scope.ServiceProvider.GetRequiredService<AliasMover>().Stage(model.Id, alias, version.Id, AliasMoveReason.Direct, "seed", null, default);
        await db.SaveChangesAsync();
    }

    /// <summary>The version number that holds <paramref name="alias"/> now and the one it remembers, or nulls.</summary>
    public static Task<(int? Holder, int? Previous)> Alias(PortalFactory portal, string modelName, string alias) => portal.InDatabase(async db =>
    {
        var model = await db.Models.SingleAsync(m => m.Name == modelName);
        var row = await db.Aliases.AsNoTracking().SingleOrDefaultAsync(a => a.ModelId == model.Id && a.Name == alias);
        if (row is null) return ((int?)null, (int?)null);
        var numbers = await db.ModelVersions.Where(v => v.ModelId == model.Id).ToDictionaryAsync(v => v.Id, v => v.Number);
        return (numbers[row.VersionId], row.PreviousVersionId is { } p ? numbers[p] : (int?)null);
    });

    public static Task<List<AliasAssignment>> Assignments(PortalFactory portal, string modelName, string alias) => portal.InDatabase(async db =>
    {
        var model = await db.Models.SingleAsync(m => m.Name == modelName);
        return await db.AliasAssignments.AsNoTracking().Where(a => a.ModelId == model.Id && a.Alias == alias).OrderBy(a => a.Id).ToListAsync();
    });

    public static Task<List<AuditEvent>> AuditOf(PortalFactory portal, string subjectId) => portal.InDatabase(db =>
        db.AuditEvents.AsNoTracking().Where(e => e.SubjectId == subjectId).OrderBy(e => e.Sequence).ToListAsync());

    public static Task<Guid> ModelId(PortalFactory portal, string modelName) => portal.InDatabase(db =>
        db.Models.Where(m => m.Name == modelName).Select(m => m.Id).SingleAsync());
}
