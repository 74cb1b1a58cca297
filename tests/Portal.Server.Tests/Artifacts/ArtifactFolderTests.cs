using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Artifacts;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Artifacts;

/// <summary>Portal:Artifacts:Folder puts the store where every node mounts it; without it, nothing moves.</summary>
public sealed class ArtifactFolderTests
{
    [Fact]
    public async Task Without_a_folder_setting_artifacts_stay_in_the_data_folder()
    {
        using var storage = TestStorage.Sqlite();
        await using var portal = Portal(storage);
        var sha = await Write(portal);

        Assert.True(File.Exists(ArtifactNodes.PathOf(Path.Combine(storage.DataDirectory, "artifacts"), sha)));
    }

    [Fact]
    public async Task A_relative_folder_setting_is_resolved_against_the_data_folder()
    {
        using var storage = TestStorage.Sqlite();
        await using var portal = Portal(storage);
        portal.Settings["Portal:Artifacts:Folder"] = Path.Combine("shared", "store");
        var sha = await Write(portal);

        Assert.True(File.Exists(ArtifactNodes.PathOf(Path.Combine(storage.DataDirectory, "shared", "store"), sha)));
        Assert.False(Directory.Exists(Path.Combine(storage.DataDirectory, "artifacts")), "nothing should be stored in the default folder");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_folder_outside_the_data_folder_holds_the_artifacts_and_is_made_private()
    {
        using var storage = TestStorage.Sqlite();
        var shared = Path.Combine(Path.GetTempPath(), "portal-tests", $"shared-{Guid.NewGuid():N}");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_101_101);
        try
        {
            await using (var portal = Portal(storage))
            {
                portal.Settings["Portal:Artifacts:Folder"] = shared;
                var sha = await Write(portal);

                var file = ArtifactNodes.PathOf(shared, sha);
                Assert.True(File.Exists(file));
                Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(shared));
                Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(file));
            }
            Assert.False(Directory.Exists(Path.Combine(storage.DataDirectory, "artifacts")), "nothing should be stored in the default folder");
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    private static PortalFactory Portal(TestStorage storage)
    {
        var portal = PortalFactory.On(storage);
        portal.Settings["Portal:RegisterBuiltinDatasets"] = "false";
        return portal;
    }

    private static async Task<string> Write(PortalFactory portal)
    {
        var content = RandomNumberGenerator.GetBytes(500);
        var stored = await portal.Services.GetRequiredService<ArtifactStore>().Write(content, CancellationToken.None);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), stored.Sha256);
        return stored.Sha256;
    }
}
