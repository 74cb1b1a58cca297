using System.Runtime.InteropServices;

namespace Portal.Server.Hosting;

/// <summary>
/// Keeps the data folder (database, artifacts, keys, audit checkpoints) private to the service account: the process
/// creates folders 0700 and files 0600 (umask 077, which SQLite's -wal and -shm files follow too), and what an
/// earlier start left more open is closed at start.
/// </summary>
public static class DataFolder
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The data-protection keys and the audit key.</summary>
    public static string Keys(PortalOptions options) => Path.Combine(Path.GetFullPath(options.DataDirectory), "keys");

    /// <summary>
    /// Sets the process umask to 077, creates the folder and takes group and other permissions off everything in it
    /// (symbolic links are left alone); returns how many entries were changed.
    /// </summary>
    public static int MakePrivate(string dataDirectory)
    {
        var root = Path.GetFullPath(dataDirectory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
            return 0;
        }
        umask(0b000_111_111);
        var changed = Restrict(new DirectoryInfo(root) is { Exists: true } folder ? folder : Directory.CreateDirectory(root, PrivateFolder));
        var entries = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", entries)) changed += Restrict(entry);
        return changed;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static int Restrict(FileSystemInfo entry)
    {
        var mode = entry.UnixFileMode & (entry is DirectoryInfo ? PrivateFolder : PrivateFile);
        if (mode == entry.UnixFileMode) return 0;
        entry.UnixFileMode = mode;
        return 1;
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint umask(uint mask);
}
