using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Datasets;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Persistence;
using Portal.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Server.Tests.Artifacts;

/// <summary>
/// Two nodes on one artifact folder and one PostgreSQL database: node A keeps content that node B is discarding at the
/// same moment. Whichever wins, no row references a missing file and no file is left that nothing references.
/// </summary>
public sealed class CrossNodeDiscardTests(ITestOutputHelper output)
{
    private const int Rounds = 60;

    [Fact]
    public async Task A_keep_racing_a_discard_on_another_node_never_leaves_a_row_without_its_file_nor_a_file_without_a_row()
    {
        using var storage = TestStorage.Postgres();
        await using var portal = PortalFactory.On(storage);
        portal.Settings["Portal:RegisterBuiltinDatasets"] = "false";
        portal.Settings["Portal:Artifacts:NodeId"] = "node-a";
        var nodeA = portal.Services.GetRequiredService<ArtifactStore>();
        var nodeB = ArtifactNodes.Store(storage, "node-b");
        var random = new Random(27);
        var (kept, refused, discarded) = (0, 0, 0);

        for (var round = 0; round < Rounds; round++)
        {
            var content = RandomNumberGenerator.GetBytes(4000);
            var sha = Convert.ToHexStringLower(SHA256.HashData(content));
            var held = await InScope(portal, db => Keep(nodeB, db, content, $"held-{round}"));
            var (writeDelay, discardDelay) = (random.Next(0, 4), random.Next(0, 4));

            var keeping = InScope(portal, async db =>
            {
                try
                {
                    await nodeA.Keep(db, async files =>
                    {
                        await files.Write(content, "application/octet-stream", CancellationToken.None);
                        await Task.Delay(writeDelay);
                        return 0;
                    }, async _ =>
                    {
                        db.Datasets.Add(Dataset($"kept-{round}", sha));
                        await db.SaveChangesAsync();
                        return 0;
                    }, CancellationToken.None);
                    return true;
                }
                catch (Refusal)
                {
                    return false;
                }
            });
            var discarding = InScope(portal, async db =>
            {
                await Task.Delay(discardDelay);
                await db.Datasets.Where(d => d.Id == held).ExecuteDeleteAsync();
                return await nodeB.Discard(db, sha, ct => db.Datasets.AnyAsync(d => d.PrimaryArtifact == sha, ct), CancellationToken.None);
            });
            if (await keeping) kept++;
            else refused++;
            if (await discarding) discarded++;

            var (rows, records) = await InScope(portal, async db =>
                (await db.Datasets.CountAsync(d => d.PrimaryArtifact == sha), await db.Artifacts.CountAsync(a => a.Sha256 == sha)));
            var stored = nodeA.Exists(sha);
            var outcome = $"round {round}: {rows} rows, {records} records, file {(stored ? "stored" : "gone")}";
            Assert.True(rows == 0 || (records == 1 && stored), $"a row references a missing file or record ({outcome})");
            Assert.True(rows > 0 || (records == 0 && !stored), $"a file or record is left that no row references ({outcome})");
            if (stored) Assert.Equal(content, await nodeB.ReadVerified(sha, CancellationToken.None));
        }
        output.WriteLine($"{Rounds} rounds: node A kept {kept} and was refused {refused}; node B discarded {discarded}.");
    }

    private static Task<Guid> Keep(ArtifactStore store, PortalDbContext db, byte[] content, string name) =>
        store.Keep(db, files => files.Write(content, "application/octet-stream", CancellationToken.None), async stored =>
        {
            var dataset = Dataset(name, stored.Sha256);
            db.Datasets.Add(dataset);
            await db.SaveChangesAsync();
            return dataset.Id;
        }, CancellationToken.None);

    private static DatasetRecord Dataset(string name, string sha) => new()
    {
        Name = name,
        Format = DatasetFormat.Idx,
        SampleShape = [1],
        ClassNames = ["a", "b"],
        PrimaryArtifact = sha,
        CreatedBy = "tests",
    };

    private static async Task<T> InScope<T>(PortalFactory portal, Func<PortalDbContext, Task<T>> work)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }
}
