using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Engine.Inference;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// The one place a test's own ONNX files enter the registry: stored as the versions of a new model (each with its batch
/// independence checked and its class names taken from the file, as registration does), an alias moved to each version asked for (through the alias
/// mover, as every move goes), and waited for until served.
/// </summary>
public static class ServedFiles
{
    /// <summary>A new model of these files as versions 1…n, served through the aliases given (default production → 1).</summary>
    public static async Task<string> Serve(PortalFactory portal, IReadOnlyList<byte[]> files, (string Alias, int Version)[] aliases)
    {
        var name = $"served-{Guid.NewGuid():N}"[..15];
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
            var model = new RegisteredModel { Name = name, CreatedBy = "tests" };
            db.Models.Add(model);
            await store.Keep(db, async batch =>
            {
                var hashes = new List<string>();
                foreach (var file in files) hashes.Add((await batch.Write(file, VersionArtifacts.OnnxMediaType, default)).Sha256);
                return hashes;
            }, async hashes =>
            {
                for (var v = 1; v <= hashes.Count; v++)
                {
                    // Recorded as registration records it, so the deployment batches the file exactly when registration would let it.
                    BatchIndependence check;
                    string[] classNames;
                    using (var session = InferenceModel.Load(files[v - 1]))
                    {
                        check = BatchIndependenceCheck.Run(session);
                        classNames = [.. session.Info.ClassLabels ?? []];
                    }
                    db.ModelVersions.Add(new ModelVersion
                    {
                        ModelId = model.Id,
                        Number = v,
                        Source = VersionSource.Import,
                        OnnxArtifact = hashes[v - 1],
                        BatchCheck = check.Outcome,
                        BatchCheckReason = check.Reason,
                        ClassNames = classNames,
                        CreatedBy = "tests",
                    });
                }
                return await db.SaveChangesAsync();
            }, default);
        }
        if (aliases.Length == 0) aliases = [("production", 1)];
        foreach (var (alias, version) in aliases)
        {
            await Hold(portal, name, alias, version);
            await WaitServed(portal, name, alias, version);
        }
        return name;
    }

    public static async Task Hold(PortalFactory portal, string model, string alias, int version)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var row = await db.Models.SingleAsync(m => m.Name == model);
        var target = await db.ModelVersions.SingleAsync(v => v.ModelId == row.Id && v.Number == version);
        await scope.ServiceProvider.GetRequiredService<AliasMover>().Stage(row.Id, alias, target.Id, AliasMoveReason.Direct, "tests", null, default);
        await db.SaveChangesAsync();
    }

    public static Task WaitServed(PortalFactory portal, string model, string alias, int version)
    {
        var deployments = portal.Services.GetRequiredService<DeploymentSet>();
        return Poll.Until(() => deployments.Find(model, alias)?.Current.Primary?.Number == version, TimeSpan.FromSeconds(30),
            () => $"{model}/{alias} did not come to serve version {version}; it serves {deployments.Find(model, alias)?.Current.Primary?.Number.ToString() ?? "nothing"} ({deployments.Find(model, alias)?.Problem}).",
            TimeSpan.FromMilliseconds(10));
    }
}
