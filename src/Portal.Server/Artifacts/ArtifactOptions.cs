using Portal.Server.Hosting;

namespace Portal.Server.Artifacts;

/// <summary>The "Portal:Artifacts" configuration section: where the artifact store lives and who this process is in it.</summary>
public sealed class ArtifactOptions
{
    /// <summary>
    /// The store's folder, a path every node mounts; relative to the data folder. Unset: <c>artifacts</c> in the data folder.
    /// </summary>
    public string? Folder { get; set; }

    /// <summary>
    /// This process's name among those sharing the folder: it stages its writes in <c>.staging/&lt;NodeId&gt;</c> and, at
    /// start, removes what is there at once. Processes that share one folder need distinct names (two on one machine
    /// must set theirs).
    /// </summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>The store's folder as a full path.</summary>
    public static string FolderOf(PortalOptions options)
    {
        var data = Path.GetFullPath(options.DataDirectory);
        return Path.GetFullPath(options.Artifacts.Folder is { Length: > 0 } folder ? Path.Combine(data, folder) : Path.Combine(data, "artifacts"));
    }

    /// <summary>Whether the store's folder is inside the data folder (and so made private with it).</summary>
    public static bool InDataFolder(PortalOptions options)
    {
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDirectory)) + Path.DirectorySeparatorChar;
        return FolderOf(options).StartsWith(data, StringComparison.Ordinal);
    }
}
