using System.Net;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Auth;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Persistence;

/// <summary>A file that reached the artifact store without its row (an upload killed before its save) is removed at start-up.</summary>
public sealed class ArtifactSweepTests
{
    [Fact]
    public async Task Start_up_removes_an_old_file_no_row_references_and_keeps_referenced_and_recent_files()
    {
        using var storage = TestStorage.Sqlite();
        List<string> referenced;
        using (var first = Portal(storage))
        {
            var contributor = await first.CreateClientAs(PortalRoles.Contributor);
            var (images, labels) = IdxFiles.Separable(40, 4, 2, seed: 5);
            await (await contributor.PostAsync("/api/v1/datasets/idx", Uploads.Idx("kept", images, labels))).AssertStatus(HttpStatusCode.Created);
            referenced = await first.InDatabase(db => db.Artifacts.Select(a => a.Sha256).ToListAsync());
        }
        var longAgo = DateTime.UtcNow.AddHours(-2);
        foreach (var sha in referenced) File.SetLastWriteTimeUtc(PathOf(storage, sha), longAgo);
        var orphan = Place(storage, RandomNumberGenerator.GetBytes(1000), longAgo);
        var recent = Place(storage, RandomNumberGenerator.GetBytes(1000), DateTime.UtcNow);

        using (var restarted = Portal(storage))
        {
            _ = restarted.Services;

            Assert.False(File.Exists(orphan), "an old file that no row references should be removed at start-up");
            Assert.True(File.Exists(recent), "a recent file may belong to an upload still committing: it stays");
            Assert.All(referenced, sha => Assert.True(File.Exists(PathOf(storage, sha)), $"referenced artifact {sha} should stay"));
        }
    }

    private static PortalFactory Portal(TestStorage storage)
    {
        var portal = PortalFactory.On(storage);
        portal.Settings["Portal:RegisterBuiltinDatasets"] = "false";
        return portal;
    }

    private static string PathOf(TestStorage storage, string sha) => Path.Combine(storage.DataDirectory, "artifacts", sha[..2], sha);

    /// <summary>A complete file in the store, as an upload leaves it when killed between its transfer and its row's save.</summary>
    private static string Place(TestStorage storage, byte[] content, DateTime writtenAt)
    {
        var path = PathOf(storage, Convert.ToHexStringLower(SHA256.HashData(content)));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, writtenAt);
        return path;
    }
}
