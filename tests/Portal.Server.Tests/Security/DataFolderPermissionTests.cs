using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Security;

/// <summary>The data folder holds password and key hashes, the audit log, the keys and the artifacts: only the service account may read it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataFolderPermissionTests
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Everything_the_portal_writes_in_its_data_folder_is_private_to_its_account()
    {
        using var storage = TestStorage.Sqlite();
        File.SetUnixFileMode(storage.DataDirectory, PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await using var portal = PortalFactory.On(storage);
        await portal.CreateUser(PortalRoles.Viewer);
        await portal.Services.GetRequiredService<ArtifactStore>().Write([1, 2, 3, 4], CancellationToken.None);
        await portal.Services.GetRequiredService<AuditCheckpointWriter>().CheckpointNow(CancellationToken.None);

        var written = Entries(storage.DataDirectory);
        foreach (var expected in new[] { "portal.db", "portal.db-wal", "portal.db-shm", "keys/" + AuditChainKey.FileName, "audit/checkpoints.jsonl" })
            Assert.Contains(expected, written.Keys);
        Assert.Contains(written.Keys, name => name.StartsWith("keys/key-", StringComparison.Ordinal) && name.EndsWith(".xml", StringComparison.Ordinal));
        Assert.Contains(written.Keys, name => name.StartsWith("artifacts/", StringComparison.Ordinal) && !Directory.Exists(Path.Combine(storage.DataDirectory, name)));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(storage.DataDirectory));
        Assert.All(written, entry => Assert.True(entry.Value == (Directory.Exists(Path.Combine(storage.DataDirectory, entry.Key)) ? PrivateFolder : PrivateFile),
            $"{entry.Key} is {Convert.ToString((int)entry.Value, 8)}"));
    }

    [Fact]
    public async Task What_an_earlier_start_left_readable_by_others_is_made_private_at_start()
    {
        using var storage = TestStorage.Sqlite();
        await using (var first = PortalFactory.On(storage))
        {
            await first.CreateUser(PortalRoles.Viewer);
            await first.Services.GetRequiredService<ArtifactStore>().Write([5, 6, 7], CancellationToken.None);
        }
        var open = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        foreach (var (name, _) in Entries(storage.DataDirectory))
        {
            var path = Path.Combine(storage.DataDirectory, name);
            File.SetUnixFileMode(path, Directory.Exists(path) ? PrivateFolder | open | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : PrivateFile | open);
        }

        await using var second = PortalFactory.On(storage);
        await second.CreateUser(PortalRoles.Viewer);
        var entries = Entries(storage.DataDirectory);
        Assert.Contains(entries.Keys, name => name.StartsWith("artifacts/", StringComparison.Ordinal));
        Assert.All(entries, entry => Assert.True(entry.Value == (Directory.Exists(Path.Combine(storage.DataDirectory, entry.Key)) ? PrivateFolder : PrivateFile),
            $"{entry.Key} is {Convert.ToString((int)entry.Value, 8)}"));
    }

    /// <summary>Every file and folder under <paramref name="root"/>, by path relative to it, with its mode.</summary>
    private static Dictionary<string, UnixFileMode> Entries(string root) =>
        new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .ToDictionary(e => Path.GetRelativePath(root, e.FullName), e => e.UnixFileMode);
}
