using Microsoft.EntityFrameworkCore;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>Finds the model or version a URL names, or refuses with a message naming what is missing.</summary>
internal static class RegistryLookup
{
    public static async Task<RegisteredModel> RequireModel(this PortalDbContext db, string name, CancellationToken ct, bool tracked = false)
    {
        var models = tracked ? db.Models : db.Models.AsNoTracking();
        return await models.FirstOrDefaultAsync(m => m.Name == name, ct) ?? throw Refusal.NotFound($"No model '{name}'.");
    }

    public static async Task<ModelVersion> RequireVersion(this PortalDbContext db, RegisteredModel model, int number, CancellationToken ct)
    {
        return await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.ModelId == model.Id && v.Number == number, ct)
            ?? throw Refusal.NotFound($"Model '{model.Name}' has no version {number}.");
    }
}
