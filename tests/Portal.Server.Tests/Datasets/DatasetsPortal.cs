using Microsoft.EntityFrameworkCore;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Datasets;

/// <summary>A portal without the built-in datasets, and a look at what its store holds.</summary>
public sealed class DatasetsPortal : PortalFactory
{
    public DatasetsPortal()
    {
        Settings["Portal:RegisterBuiltinDatasets"] = "false";
    }

    public string ArtifactsDirectory => Path.Combine(Storage.DataDirectory, "artifacts");

    /// <summary>Dataset rows, artifact rows, stored files and staging temporaries: what a rejected upload must leave as it was.</summary>
    public async Task<StoreContents> Contents() => await InDatabase(async db => new StoreContents(
        [.. (await db.Datasets.Select(d => d.Name).ToListAsync()).Order()],
        [.. (await db.Artifacts.Select(a => a.Sha256).ToListAsync()).Order()],
        [.. Directory.EnumerateFiles(ArtifactsDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.staging/", StringComparison.Ordinal)).Select(Path.GetFileName).Order()!],
        Directory.EnumerateFiles(Path.Combine(ArtifactsDirectory, ".staging"), "*", SearchOption.AllDirectories).Count()));
}

public sealed record StoreContents(string[] Datasets, string[] ArtifactRows, string[] Files, int StagingFiles)
{
    // Records compare arrays by reference; compare what they hold.
    public bool Same(StoreContents other) =>
        Datasets.SequenceEqual(other.Datasets) && ArtifactRows.SequenceEqual(other.ArtifactRows) && Files.SequenceEqual(other.Files) && StagingFiles == other.StagingFiles;

    public override string ToString() =>
        $"datasets [{string.Join(", ", Datasets)}], artifact rows [{string.Join(", ", ArtifactRows)}], files [{string.Join(", ", Files)}], staging {StagingFiles}";
}
